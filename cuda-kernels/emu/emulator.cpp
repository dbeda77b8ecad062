// The CPU emulator behind emu/device.h and the emulated CUDA runtime API (include/cuda_runtime_api.h).
//
// Execution model: a launch runs its blocks one after another on the calling thread. Each CUDA thread of a block is a
// fiber with its own stack (a hand-written x86-64 stack switch, ucontext elsewhere); a fiber runs until it reaches a block barrier, a warp collective or its end,
// then the next runnable fiber of the block continues. Barriers and collectives therefore see every participant
// arrive before any leaves, and any schedule the emulator picks is one the hardware may pick. Faults (divergent
// barriers, collectives with missing lanes, deadlocks, out-of-bounds addresses) print a diagnosis and abort: on a
// device they would be undefined behaviour or a sticky error.
#include <cuda_runtime_api.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "device.h"
#include "emulator.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define ESM2J_EMU_ASAN 1
#endif
// ThreadSanitizer builds compile this file without instrumentation (its bookkeeping would look like races between
// fibers) and define ESM2J_EMU_TSAN_ANNOTATIONS: the fiber switches and the happens-before edges of barriers and
// collectives are then declared to ThreadSanitizer by hand.
#if defined(__SANITIZE_THREAD__) || defined(ESM2J_EMU_TSAN_ANNOTATIONS)
#include <sanitizer/tsan_interface.h>
#define ESM2J_EMU_TSAN 1
#endif

extern "C" {
// Bounds of the section that holds every kernel's static __shared__ variables (see device.h); weak, so that a program
// without static shared memory links too.
extern char __start_esm2j_emu_shared[] __attribute__((weak));
extern char __stop_esm2j_emu_shared[] __attribute__((weak));
}

namespace esm2j_emu {

const ThreadContext *current_context = nullptr;

namespace {

// --- H100 (sm_90) limits ----------------------------------------------------------------------------------------------
constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxBlockDim[3] = {1024, 1024, 64};
constexpr unsigned kMaxGridDim[3] = {2147483647u, 65535, 65535};
constexpr size_t kDefaultSharedLimit = 48 * 1024;       // dynamic shared memory without the opt-in attribute
constexpr size_t kMaxSharedOptIn = 227 * 1024;          // cudaDevAttrMaxSharedMemoryPerBlockOptin
constexpr size_t kSharedPerSm = 228 * 1024;
constexpr int kMaxThreadsPerSm = 2048, kMaxBlocksPerSm = 32;

// The byte every shared memory byte holds when a block starts: 0xFF makes every fp32, fp16 and bf16 value a NaN.
constexpr unsigned char kSharedFill = 0xFF;
// The byte of the slack between a device allocation and its guard pages, checked after every launch.
constexpr unsigned char kCanary = 0xA5;

[[noreturn]] void fault(const char *format, ...) __attribute__((format(printf, 1, 2)));

std::mutex emulator_mutex;  // one launch at a time in the process: blocks share the static shared memory section
std::atomic<int> sm_count{132};
thread_local cudaError_t last_error = cudaSuccess;
std::atomic<long long> progress{0};  // bumped at every barrier, collective and block; read by the watchdog

LaunchRecord last_record{nullptr, dim3(), dim3(), 0, 0};

const size_t page_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));

size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

// --- guarded host memory: device allocations and the dynamic shared memory of a launch --------------------------------
// [guard page][slack (canary)][user bytes, 256-byte aligned][slack (canary)][guard page]: the user bytes end as
// close to the trailing guard page as the alignment allows, so reads and writes past the end fault; the slack bytes
// are checked for writes after each launch. Under AddressSanitizer, its redzones do this byte-exactly instead.
struct Allocation {
    char *user;
    size_t bytes;
    char *mapping;
    size_t mapping_bytes;
    size_t alignment;
};

std::map<uintptr_t, Allocation> allocations;  // by user address

Allocation guarded_allocate(size_t bytes, size_t alignment) {
    Allocation a{};
    a.bytes = bytes;
    a.alignment = alignment;
#if defined(ESM2J_EMU_ASAN)
    a.mapping = static_cast<char *>(std::aligned_alloc(alignment, round_up(bytes == 0 ? 1 : bytes, alignment)));
    a.mapping_bytes = 0;
    a.user = a.mapping;
    if (a.user == nullptr) return a;
    // aligned_alloc rounds up to the alignment; poison the tail so that ASan reports exactly past `bytes`.
    __asan_poison_memory_region(a.user + bytes, round_up(bytes == 0 ? 1 : bytes, alignment) - bytes);
#else
    const size_t body = round_up(bytes + alignment, page_size);
    a.mapping_bytes = body + 2 * page_size;
    void *m = mmap(nullptr, a.mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                   0);
    if (m == MAP_FAILED) return Allocation{};
    a.mapping = static_cast<char *>(m);
    mprotect(a.mapping, page_size, PROT_NONE);
    mprotect(a.mapping + page_size + body, page_size, PROT_NONE);
    const uintptr_t end = reinterpret_cast<uintptr_t>(a.mapping + page_size + body);
    a.user = reinterpret_cast<char *>((end - bytes) / alignment * alignment);
    std::memset(a.mapping + page_size, kCanary, body);
#endif
    return a;
}

void guarded_free(const Allocation &a) {
#if defined(ESM2J_EMU_ASAN)
    __asan_unpoison_memory_region(a.mapping, round_up(a.bytes == 0 ? 1 : a.bytes, a.alignment));
    std::free(a.mapping);
#else
    munmap(a.mapping, a.mapping_bytes);
#endif
}

// Whether the slack around `a` still holds the canary; names the first overwritten byte otherwise.
bool check_slack(const Allocation &a, const char *what) {
#if !defined(ESM2J_EMU_ASAN)
    const char *body = a.mapping + page_size, *body_end = a.mapping + a.mapping_bytes - page_size;
    for (const char *p = body; p < a.user; ++p) {
        if (static_cast<unsigned char>(*p) != kCanary) {
            std::fprintf(stderr, "esm2j emulator: %s of %zu bytes at %p was written %td bytes before its start\n", what,
                         a.bytes, static_cast<void *>(a.user), a.user - p);
            return false;
        }
    }
    for (const char *p = a.user + a.bytes; p < body_end; ++p) {
        if (static_cast<unsigned char>(*p) != kCanary) {
            std::fprintf(stderr, "esm2j emulator: %s of %zu bytes at %p was written %td bytes past its end\n", what,
                         a.bytes, static_cast<void *>(a.user), p - (a.user + a.bytes));
            return false;
        }
    }
#else
    (void)a;
    (void)what;
#endif
    return true;
}

// The device allocation holding [p, p + bytes), or null.
const Allocation *find_allocation(const void *p, size_t bytes) {
    const uintptr_t address = reinterpret_cast<uintptr_t>(p);
    auto it = allocations.upper_bound(address);
    if (it == allocations.begin()) return nullptr;
    --it;
    const Allocation &a = it->second;
    const uintptr_t begin = reinterpret_cast<uintptr_t>(a.user);
    return address >= begin && address + bytes <= begin + a.bytes ? &a : nullptr;
}

// --- execution contexts ------------------------------------------------------------------------------------------------
void fiber_entry();

#if defined(__x86_64__)
// A fiber switch saves only what the System V ABI makes callee-saved (rbx, rbp, r12-r15, the MXCSR and x87 control
// words) on the old stack and resumes the new one: no signal mask system call, unlike swapcontext, which matters at
// one switch per lane of every warp collective.
struct Context {
    void *sp = nullptr;
};
extern "C" void esm2j_emu_switch(void **save_sp, void *new_sp);
extern "C" void esm2j_emu_fiber_start();
asm(R"(
    .text
    .globl esm2j_emu_switch
    .type esm2j_emu_switch, @function
esm2j_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size esm2j_emu_switch, .-esm2j_emu_switch

    .globl esm2j_emu_fiber_start
    .type esm2j_emu_fiber_start, @function
esm2j_emu_fiber_start:
    call esm2j_emu_fiber_main
    ud2
    .size esm2j_emu_fiber_start, .-esm2j_emu_fiber_start
)");
extern "C" void esm2j_emu_fiber_main() { fiber_entry(); }

// A new fiber's stack holds the frame esm2j_emu_switch pops: control words, six zeroed registers, and the return
// address esm2j_emu_fiber_start, which then calls fiber_entry with the stack 16-byte aligned.
void make_context(Context &c, char *stack, size_t bytes) {
    uintptr_t top = (reinterpret_cast<uintptr_t>(stack) + bytes - 16) & ~uintptr_t{15};
    uint64_t *frame = reinterpret_cast<uint64_t *>(top) - 8;
    std::memset(frame, 0, 8 * sizeof(uint64_t));
    uint32_t control[2] = {0, 0};
    asm volatile("stmxcsr %0" : "=m"(control[0]));
    asm volatile("fnstcw %0" : "=m"(control[1]));
    std::memcpy(&frame[0], control, sizeof control);
    frame[7] = reinterpret_cast<uint64_t>(&esm2j_emu_fiber_start);
    c.sp = frame;
}

void swap_context(Context &save, Context &to) { esm2j_emu_switch(&save.sp, to.sp); }
#else
struct Context {
    ucontext_t uc;
};

void make_context(Context &c, char *stack, size_t bytes) {
    getcontext(&c.uc);
    c.uc.uc_stack.ss_sp = stack;
    c.uc.uc_stack.ss_size = bytes;
    c.uc.uc_link = nullptr;
    makecontext(&c.uc, fiber_entry, 0);
}

void swap_context(Context &save, Context &to) { swapcontext(&save.uc, &to.uc); }
#endif

// --- fibers ---------------------------------------------------------------------------------------------------------
enum class FiberState { kRunnable, kAtBarrier, kAtWarp, kExited };

struct AsyncCopy {
    void *dst;
    const void *src;
    int copy_bytes, src_bytes;
};

struct Fiber {
    Context context;
    char *stack = nullptr;
    size_t stack_bytes = 0;
    ThreadContext ids{};
    int linear = 0, warp = 0, lane = 0;
    FiberState state = FiberState::kExited;
    const char *wait_file = nullptr;
    int wait_line = 0;
    WarpOp wait_op = WarpOp::kSync;
    // The operands of the pending collective and its result.
    unsigned mask = 0;
    uint64_t value = 0, result = 0;
    int arg = 0, width = 32;
    uint32_t a[4] = {}, b[2] = {}, r[4] = {};
    float c[4] = {};
    const void *address = nullptr;
    bool transpose = false;
    MmaType mma_type = MmaType::kF16;
    // cp.async: copies issued since the last commit, then the committed groups, oldest first.
    std::vector<AsyncCopy> uncommitted;
    std::deque<std::vector<AsyncCopy>> groups;
#if defined(ESM2J_EMU_TSAN)
    void *tsan_fiber = nullptr;
#endif
};

struct WarpState {
    int lanes = 0;  // lanes that exist (the last warp of a block may be partial)
    int arrived = 0;
    unsigned generation = 0;
    const char *file = nullptr;
    int line = 0;
    WarpOp op = WarpOp::kSync;
    unsigned mask = 0;
    char tsan_sync[2];
};

struct Launch {
    const void *kernel;
    KernelInvoker invoke;
    void *bound_call;
    dim3 grid, block;
    size_t dynamic_bytes;
    char *dynamic_shared;
    long long number;
};

struct Block {
    Launch *launch = nullptr;
    uint3 index{};
    std::vector<Fiber> fibers;  // reused across blocks and launches (stacks are the costly part)
    std::vector<WarpState> warps;
    int threads = 0, exited = 0;
    int barrier_arrived = 0;
    unsigned barrier_generation = 0;
    const char *barrier_file = nullptr;
    int barrier_line = 0;
    int current = -1;
    Context scheduler;
    char tsan_barrier[2], tsan_start, tsan_exit;
#if defined(ESM2J_EMU_TSAN)
    void *scheduler_tsan_fiber = nullptr;
#endif
#if defined(ESM2J_EMU_ASAN)
    const void *scheduler_stack_bottom = nullptr;
    size_t scheduler_stack_size = 0;
#endif
};

Block block_state;  // guarded by emulator_mutex (one launch at a time)

const char *op_name(WarpOp op) {
    switch (op) {
        case WarpOp::kSync: return "__syncwarp";
        case WarpOp::kShfl: return "__shfl_sync";
        case WarpOp::kShflUp: return "__shfl_up_sync";
        case WarpOp::kShflDown: return "__shfl_down_sync";
        case WarpOp::kShflXor: return "__shfl_xor_sync";
        case WarpOp::kBallot: return "__ballot_sync";
        case WarpOp::kAny: return "__any_sync";
        case WarpOp::kAll: return "__all_sync";
        case WarpOp::kMma: return "mma.sync.m16n8k16";
        case WarpOp::kLdmatrix: return "ldmatrix.x4";
    }
    return "?";
}

const char *base_name(const char *file) {
    const char *base = file;
    for (const char *p = file; p != nullptr && *p != '\0'; ++p) {
        if (*p == '/') base = p + 1;
    }
    return base == nullptr ? "?" : base;
}

std::string where() {
    const Block &b = block_state;
    char text[256];
    if (b.current >= 0 && b.current < b.threads) {
        const ThreadContext &t = b.fibers[b.current].ids;
        std::snprintf(text, sizeof text, "launch #%lld, block (%u,%u,%u), thread (%u,%u,%u)",
                      b.launch ? b.launch->number : -1LL, t.block_idx.x, t.block_idx.y, t.block_idx.z,
                      t.thread_idx.x, t.thread_idx.y, t.thread_idx.z);
    } else {
        std::snprintf(text, sizeof text, "host");
    }
    return text;
}

void fault(const char *format, ...) {
    char message[2048];
    va_list args;
    va_start(args, format);
    std::vsnprintf(message, sizeof message, format, args);
    va_end(args);
    std::fprintf(stderr, "esm2j emulator: %s [%s]\n", message, where().c_str());
    std::fflush(stderr);
    std::abort();
}

void switch_to(Context *from, int target);

Fiber &self() { return block_state.fibers[block_state.current]; }

// Hands the core to the next runnable fiber after the current one, or back to the scheduler when there is none.
// `from` is null when the current fiber has exited and will never resume.
void yield_from_current(bool exiting) {
    Block &b = block_state;
    int next = -1;
    for (int k = 1; k <= b.threads; ++k) {
        const int i = (b.current + k) % b.threads;
        if (b.fibers[i].state == FiberState::kRunnable) {
            next = i;
            break;
        }
    }
    Fiber &me = self();
    if (next == b.current && !exiting) return;
    switch_to(exiting ? nullptr : &me.context, next);
}

// Saves the running context into `from` (null: discard it) and resumes fiber `target` (-1: the scheduler).
void switch_to(Context *from, int target) {
    Block &b = block_state;
    Context discard;
    Context *save = from != nullptr ? from : &discard;
    Context *to = target >= 0 ? &b.fibers[target].context : &b.scheduler;
#if defined(ESM2J_EMU_TSAN)
    __tsan_switch_to_fiber(target >= 0 ? b.fibers[target].tsan_fiber : b.scheduler_tsan_fiber,
                           __tsan_switch_to_fiber_no_sync);
#endif
#if defined(ESM2J_EMU_ASAN)
    void *fake_stack = nullptr;
    if (target >= 0) {
        __sanitizer_start_switch_fiber(from != nullptr ? &fake_stack : nullptr, b.fibers[target].stack,
                                       b.fibers[target].stack_bytes);
    } else {
        __sanitizer_start_switch_fiber(from != nullptr ? &fake_stack : nullptr, b.scheduler_stack_bottom,
                                       b.scheduler_stack_size);
    }
#endif
    b.current = target;
    swap_context(*save, *to);
#if defined(ESM2J_EMU_ASAN)
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
    // Resumed: whoever switched here set b.current to this fiber (-1: the scheduler, which restores its own).
    if (b.current >= 0) current_context = &b.fibers[b.current].ids;
}

void fiber_entry() {
    Block &b = block_state;
#if defined(ESM2J_EMU_ASAN)
    // The first switch into a fiber comes from the scheduler: record its stack for the switches back.
    const void *bottom = nullptr;
    size_t size = 0;
    __sanitizer_finish_switch_fiber(nullptr, &bottom, &size);
    if (b.scheduler_stack_bottom == nullptr) {
        b.scheduler_stack_bottom = bottom;
        b.scheduler_stack_size = size;
    }
#endif
#if defined(ESM2J_EMU_TSAN)
    __tsan_acquire(&b.tsan_start);
#endif
    Fiber &me = self();
    current_context = &me.ids;
    progress.fetch_add(1, std::memory_order_relaxed);  // starting a thread is progress (slow under sanitizers)
    b.launch->invoke(b.launch->bound_call);
    Fiber &done = self();
    // Copies still in flight when a thread ends can no longer be observed by it; they are dropped.
    done.uncommitted.clear();
    done.groups.clear();
    if (b.barrier_arrived > 0) {
        fault("thread exits while %d threads wait at __syncthreads (%s:%d): the barrier can never complete",
              b.barrier_arrived, base_name(b.barrier_file), b.barrier_line);
    }
    WarpState &w = b.warps[done.warp];
    if (w.arrived > 0 && (w.mask >> done.lane & 1u)) {
        fault("lane %d exits while %d lanes of warp %d wait at %s (%s:%d), whose mask 0x%08x includes it", done.lane,
              w.arrived, done.warp, op_name(w.op), base_name(w.file), w.line, w.mask);
    }
    done.state = FiberState::kExited;
    ++b.exited;
#if defined(ESM2J_EMU_TSAN)
    __tsan_release(&b.tsan_exit);
#endif
    yield_from_current(true);
    fault("an exited fiber was resumed");
}

std::string describe_waiters() {
    const Block &b = block_state;
    std::string text;
    char line[512];
    if (b.barrier_arrived > 0) {
        std::snprintf(line, sizeof line, "\n  %d of %d threads wait at __syncthreads (%s:%d); %d exited", b.barrier_arrived,
                      b.threads, base_name(b.barrier_file), b.barrier_line, b.exited);
        text += line;
    }
    for (size_t w = 0; w < b.warps.size(); ++w) {
        const WarpState &ws = b.warps[w];
        if (ws.arrived == 0) continue;
        std::string missing;
        for (int lane = 0; lane < ws.lanes; ++lane) {
            const Fiber &f = b.fibers[w * 32 + lane];
            if ((ws.mask >> lane & 1u) && f.state != FiberState::kAtWarp) {
                std::snprintf(line, sizeof line, " %d(%s)", lane,
                              f.state == FiberState::kExited ? "exited" : f.state == FiberState::kAtBarrier
                                                                             ? "at __syncthreads"
                                                                             : "running");
                missing += line;
            }
        }
        std::snprintf(line, sizeof line, "\n  warp %zu: %d lanes wait at %s (%s:%d); missing lanes:%s", w, ws.arrived,
                      op_name(ws.op), base_name(ws.file), ws.line, missing.c_str());
        text += line;
    }
    return text;
}

// Runs every thread of block `index` to completion.
void run_block(Launch &launch, uint3 index) {
    Block &b = block_state;
    b.launch = &launch;
    b.index = index;
    const dim3 dim = launch.block;
    b.threads = static_cast<int>(dim.x * dim.y * dim.z);
    b.exited = 0;
    b.barrier_arrived = 0;
    b.current = -1;
    const int warps = (b.threads + 31) / 32;
    b.warps.assign(warps, WarpState{});
    for (int w = 0; w < warps; ++w) b.warps[w].lanes = std::min(32, b.threads - 32 * w);

    // Fresh shared memory: every byte NaN, so a read before the write that should precede it shows up.
    if (__start_esm2j_emu_shared != nullptr && __stop_esm2j_emu_shared != nullptr) {
        std::memset(__start_esm2j_emu_shared, kSharedFill,
                    static_cast<size_t>(__stop_esm2j_emu_shared - __start_esm2j_emu_shared));
    }
    if (launch.dynamic_bytes > 0) std::memset(launch.dynamic_shared, kSharedFill, launch.dynamic_bytes);

    if (b.fibers.size() < static_cast<size_t>(b.threads)) b.fibers.resize(b.threads);
    for (int i = 0; i < b.threads; ++i) {
        Fiber &f = b.fibers[i];
        if (f.stack == nullptr) {
#if defined(ESM2J_EMU_ASAN) || defined(ESM2J_EMU_TSAN)
            f.stack_bytes = 1 << 20;
#else
            f.stack_bytes = 256 << 10;
#endif
            // Stack overflow lands on a PROT_NONE page below the stack.
            char *m = static_cast<char *>(mmap(nullptr, f.stack_bytes + page_size, PROT_READ | PROT_WRITE,
                                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
            if (m == MAP_FAILED) fault("cannot map a fiber stack");
            mprotect(m, page_size, PROT_NONE);
            f.stack = m + page_size;
#if defined(ESM2J_EMU_TSAN)
            f.tsan_fiber = __tsan_create_fiber(0);
#endif
        }
        f.linear = i;
        f.warp = i / 32;
        f.lane = i % 32;
        f.ids.thread_idx = uint3{i % dim.x, (i / dim.x) % dim.y, i / (dim.x * dim.y)};
        f.ids.block_idx = index;
        f.ids.block_dim = dim;
        f.ids.grid_dim = launch.grid;
        f.state = FiberState::kRunnable;
        f.uncommitted.clear();
        f.groups.clear();
#if defined(ESM2J_EMU_ASAN)
        // The stack of a fiber of an earlier block may still carry its scopes' poison (it never returned).
        __asan_unpoison_memory_region(f.stack, f.stack_bytes);
#endif
        make_context(f.context, f.stack, f.stack_bytes);
        progress.fetch_add(1, std::memory_order_relaxed);
    }
#if defined(ESM2J_EMU_TSAN)
    b.scheduler_tsan_fiber = __tsan_get_current_fiber();
    __tsan_release(&b.tsan_start);
#endif
    const ThreadContext *host_context = current_context;
#if defined(ESM2J_EMU_ASAN)
    b.scheduler_stack_bottom = nullptr;  // recorded by the first fiber to start (the caller may be another thread)
#endif
    switch_to(&b.scheduler, 0);
    current_context = host_context;
    if (b.exited != b.threads) {
        b.current = -1;
        fault("deadlock in launch #%lld, block (%u,%u,%u): no thread can proceed%s", launch.number, index.x, index.y,
              index.z, describe_waiters().c_str());
    }
#if defined(ESM2J_EMU_TSAN)
    __tsan_acquire(&b.tsan_exit);
#endif
    b.current = -1;
    progress.fetch_add(1, std::memory_order_relaxed);
}

// --- collectives ------------------------------------------------------------------------------------------------------
float bf16_to_float(uint16_t v) { return bits_float(static_cast<uint32_t>(v) << 16); }

float element(uint32_t reg, int half, MmaType type) {
    const uint16_t bits = static_cast<uint16_t>(half == 0 ? reg & 0xffffu : reg >> 16);
    return type == MmaType::kBf16 ? bf16_to_float(bits) : half_bits_to_float(bits);
}

bool in_shared(const void *p, size_t bytes) {
    const char *c = static_cast<const char *>(p);
    if (__start_esm2j_emu_shared != nullptr && c >= __start_esm2j_emu_shared &&
        c + bytes <= __stop_esm2j_emu_shared) {
        return true;
    }
    const Launch *l = block_state.launch;
    return l != nullptr && l->dynamic_bytes > 0 && c >= l->dynamic_shared && c + bytes <= l->dynamic_shared + l->dynamic_bytes;
}

// Computes every lane's result once all lanes of the warp have arrived (the last lane to arrive runs this).
void complete_collective(WarpState &w, Fiber *lanes) {
    const unsigned mask = w.mask;
    switch (w.op) {
        case WarpOp::kSync: break;
        case WarpOp::kShfl:
        case WarpOp::kShflUp:
        case WarpOp::kShflDown:
        case WarpOp::kShflXor:
            for (int lane = 0; lane < w.lanes; ++lane) {
                if (!(mask >> lane & 1u)) continue;
                Fiber &f = lanes[lane];
                const int width = f.width;
                if (width <= 0 || width > 32 || (width & (width - 1)) != 0) {
                    fault("%s at %s:%d: width %d is not a power of two up to 32", op_name(w.op), base_name(w.file),
                          w.line, width);
                }
                const int segment = lane & ~(width - 1), position = lane & (width - 1);
                int source = lane;
                switch (w.op) {
                    case WarpOp::kShfl: source = segment + (f.arg & (width - 1)); break;
                    case WarpOp::kShflUp: source = position >= f.arg ? lane - f.arg : lane; break;
                    case WarpOp::kShflDown: source = position + f.arg < width ? lane + f.arg : lane; break;
                    default: source = segment + ((position ^ f.arg) & (width - 1)); break;
                }
                if (!(mask >> source & 1u)) {
                    fault("%s at %s:%d: lane %d reads lane %d, which is not in the mask 0x%08x", op_name(w.op),
                          base_name(w.file), w.line, lane, source, mask);
                }
                f.result = lanes[source].value;
            }
            break;
        case WarpOp::kBallot:
        case WarpOp::kAny:
        case WarpOp::kAll: {
            uint64_t ballot = 0;
            for (int lane = 0; lane < w.lanes; ++lane) {
                if ((mask >> lane & 1u) && lanes[lane].value != 0) ballot |= 1ull << lane;
            }
            const uint64_t value = w.op == WarpOp::kBallot ? ballot
                                   : w.op == WarpOp::kAny  ? (ballot != 0)
                                                           : (ballot == mask);
            for (int lane = 0; lane < w.lanes; ++lane) lanes[lane].result = value;
            break;
        }
        case WarpOp::kMma: {
            // PTX ISA, "Matrix Fragments for mma.m16n8k16 with floating point type": groupID = lane >> 2,
            // threadID_in_group = lane % 4. A (16x16): a0,a1 row g cols 2t,2t+1; a2,a3 row g+8; a4..a7 the same at
            // cols + 8; register i holds elements 2i (low half) and 2i+1. B (16x8): b0,b1 rows (k) 2t,2t+1 of
            // column g; b2,b3 rows + 8. C/D (16x8 fp32): c0,c1 row g cols 2t,2t+1; c2,c3 row g+8.
            const MmaType type = lanes[0].mma_type;
            float A[16][16], B[16][8];
            double C[16][8];
            for (int lane = 0; lane < 32; ++lane) {
                const Fiber &f = lanes[lane];
                if (f.mma_type != type) fault("mma.sync at %s:%d: lanes disagree on the element type", base_name(w.file), w.line);
                const int g = lane >> 2, t = lane & 3;
                for (int i = 0; i < 8; ++i) {
                    const int row = g + ((i & 2) ? 8 : 0), col = 2 * t + (i & 1) + ((i & 4) ? 8 : 0);
                    A[row][col] = element(f.a[i / 2], i & 1, type);
                }
                for (int i = 0; i < 4; ++i) {
                    const int k = 2 * t + (i & 1) + ((i & 2) ? 8 : 0);
                    B[k][g] = element(f.b[i / 2], i & 1, type);
                }
                for (int i = 0; i < 4; ++i) C[g + ((i & 2) ? 8 : 0)][2 * t + (i & 1)] = f.c[i];
            }
            // Products and sums in fp64, rounded once to fp32: more precise than the tensor cores (see README.md).
            for (int lane = 0; lane < 32; ++lane) {
                Fiber &f = lanes[lane];
                const int g = lane >> 2, t = lane & 3;
                for (int i = 0; i < 4; ++i) {
                    const int row = g + ((i & 2) ? 8 : 0), col = 2 * t + (i & 1);
                    double sum = C[row][col];
                    for (int k = 0; k < 16; ++k) sum += static_cast<double>(A[row][k]) * B[k][col];
                    f.c[i] = static_cast<float>(sum);
                }
            }
            break;
        }
        case WarpOp::kLdmatrix: {
            // PTX ISA, ldmatrix .m8n8 .x4 .b16: lanes 8i..8i+7 hold the addresses of the 8 rows (16 bytes each) of
            // matrix i; lane l receives in register i the elements (l / 4, 2 (l % 4)) and (l / 4, 2 (l % 4) + 1) of
            // matrix i, or with .trans those of the transposed matrix, (2 (l % 4), l / 4) and (2 (l % 4) + 1, l / 4).
            uint16_t m[4][8][8];
            for (int lane = 0; lane < 32; ++lane) {
                const Fiber &f = lanes[lane];
                if (f.transpose != lanes[0].transpose) {
                    fault("ldmatrix at %s:%d: lanes disagree on .trans", base_name(w.file), w.line);
                }
                if (reinterpret_cast<uintptr_t>(f.address) % 16 != 0 || !in_shared(f.address, 16)) {
                    fault("ldmatrix at %s:%d: lane %d's row address %p is not 16 bytes of shared memory at a 16-byte "
                          "boundary",
                          base_name(w.file), w.line, lane, f.address);
                }
                std::memcpy(m[lane / 8][lane % 8], f.address, 16);
            }
            for (int lane = 0; lane < 32; ++lane) {
                Fiber &f = lanes[lane];
                const int row = lane / 4, col = 2 * (lane % 4);
                for (int i = 0; i < 4; ++i) {
                    const uint16_t lo = f.transpose ? m[i][col][row] : m[i][row][col];
                    const uint16_t hi = f.transpose ? m[i][col + 1][row] : m[i][row][col + 1];
                    f.r[i] = static_cast<uint32_t>(lo) | static_cast<uint32_t>(hi) << 16;
                }
            }
            break;
        }
    }
}

// The arrival of the current fiber at a warp collective; returns once every lane of the mask has arrived and the
// results are in place.
void arrive_at_warp(WarpOp op, unsigned mask, const char *file, int line) {
    Block &b = block_state;
    Fiber &me = self();
    WarpState &w = b.warps[me.warp];
    const unsigned existing = w.lanes == 32 ? 0xffffffffu : ((1u << w.lanes) - 1);
    if (op == WarpOp::kMma || op == WarpOp::kLdmatrix) mask = 0xffffffffu;  // .aligned: the whole warp
    if (!(mask >> me.lane & 1u)) {
        fault("%s at %s:%d: the calling lane %d is not in the mask 0x%08x", op_name(op), base_name(file), line,
              me.lane, mask);
    }
    if ((mask & ~existing) != 0) {
        fault("%s at %s:%d: mask 0x%08x names lanes that do not exist (warp %d has %d lanes)", op_name(op),
              base_name(file), line, mask, me.warp, w.lanes);
    }
    for (int lane = 0; lane < w.lanes; ++lane) {
        if ((mask >> lane & 1u) && b.fibers[me.warp * 32 + lane].state == FiberState::kExited) {
            fault("%s at %s:%d: lane %d of the mask 0x%08x has exited", op_name(op), base_name(file), line, lane, mask);
        }
    }
    if (w.arrived == 0) {
        w.op = op;
        w.file = file;
        w.line = line;
        w.mask = mask;
    } else if (w.op != op || w.line != line || std::strcmp(w.file, file) != 0 || w.mask != mask) {
        fault("warp %d diverged: lane %d reaches %s (%s:%d, mask 0x%08x) while %d lanes wait at %s (%s:%d, mask 0x%08x)",
              me.warp, me.lane, op_name(op), base_name(file), line, mask, w.arrived, op_name(w.op), base_name(w.file),
              w.line, w.mask);
    }
    [[maybe_unused]] const unsigned generation = w.generation;
#if defined(ESM2J_EMU_TSAN)
    __tsan_release(&w.tsan_sync[generation & 1]);
#endif
    if (++w.arrived == __builtin_popcount(mask)) {
        complete_collective(w, &b.fibers[me.warp * 32]);
        w.arrived = 0;
        ++w.generation;
        for (int lane = 0; lane < w.lanes; ++lane) {
            Fiber &f = b.fibers[me.warp * 32 + lane];
            if (f.state == FiberState::kAtWarp) f.state = FiberState::kRunnable;
        }
        progress.fetch_add(1, std::memory_order_relaxed);
    } else {
        me.state = FiberState::kAtWarp;
        me.wait_file = file;
        me.wait_line = line;
        me.wait_op = op;
        while (self().state != FiberState::kRunnable) yield_from_current(false);
    }
#if defined(ESM2J_EMU_TSAN)
    __tsan_acquire(&w.tsan_sync[generation & 1]);
#endif
}

// --- async copies -----------------------------------------------------------------------------------------------------
void land(const AsyncCopy &c) {
    if (c.src_bytes > 0) std::memcpy(c.dst, c.src, static_cast<size_t>(c.src_bytes));
    if (c.copy_bytes > c.src_bytes) std::memset(static_cast<char *>(c.dst) + c.src_bytes, 0, c.copy_bytes - c.src_bytes);
}

// --- watchdog ---------------------------------------------------------------------------------------------------------
// A kernel that loops forever without reaching a barrier or collective cannot be seen by the scheduler; this thread
// aborts the process when a launch makes no progress for ESM2J_EMU_WATCHDOG_SECONDS (default 300).
std::atomic<bool> launch_active{false};

void start_watchdog() {
    static std::once_flag once;
    std::call_once(once, [] {
        const char *env = std::getenv("ESM2J_EMU_WATCHDOG_SECONDS");
        const int seconds = env != nullptr ? std::atoi(env) : 300;
        if (seconds <= 0) return;
        std::thread([seconds] {
            long long seen = -1;
            int idle = 0;
            for (;;) {
                std::this_thread::sleep_for(std::chrono::seconds(1));
                const long long now = progress.load(std::memory_order_relaxed);
                if (!launch_active.load() || now != seen) {
                    seen = now;
                    idle = 0;
                    continue;
                }
                if (++idle >= seconds) {
                    const Block &b = block_state;  // racy read for the diagnosis only; the process ends here
                    std::fprintf(stderr,
                                 "esm2j emulator: watchdog: no barrier, collective or block finished for %d s in launch "
                                 "#%lld, block (%u,%u,%u); thread %d was running%s\n",
                                 seconds, b.launch ? b.launch->number : -1LL, b.index.x, b.index.y, b.index.z, b.current,
                                 describe_waiters().c_str());
                    std::abort();
                }
            }
        }).detach();
    });
}

// --- segmentation faults: name the guard zone that was hit (sanitizer builds leave SIGSEGV to the sanitizer) -----------
#if !defined(ESM2J_EMU_ASAN) && !defined(ESM2J_EMU_TSAN)
// The handlers installed before ours. A host process that handles its own faults (a JVM, whose implicit null checks
// and safepoint polls are SIGSEGVs) gets every fault that is not in one of our guard zones passed on to it.
struct sigaction previous_segv {}, previous_bus {};

// True when the previous handler took the fault.
bool chain_to_previous(int signal, siginfo_t *info, void *context) {
    const struct sigaction &previous = signal == SIGBUS ? previous_bus : previous_segv;
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction == nullptr) return false;
        previous.sa_sigaction(signal, info, context);
        return true;
    }
    if (previous.sa_handler == SIG_DFL || previous.sa_handler == SIG_IGN) return false;
    previous.sa_handler(signal);
    return true;
}

void on_segv(int signal, siginfo_t *info, void *context) {
    char text[512];
    const uintptr_t address = reinterpret_cast<uintptr_t>(info->si_addr);
    const char *kind = "an address outside every device allocation";
    long long distance = 0;
    size_t bytes = 0;
    for (const auto &entry : allocations) {
        const Allocation &a = entry.second;
        const uintptr_t begin = reinterpret_cast<uintptr_t>(a.mapping), end = begin + a.mapping_bytes;
        if (address >= begin && address < end) {
            const uintptr_t user = reinterpret_cast<uintptr_t>(a.user);
            bytes = a.bytes;
            if (address >= user + a.bytes) {
                kind = "the guard zone past the end of a device allocation";
                distance = static_cast<long long>(address - (user + a.bytes));
            } else {
                kind = "the guard zone before a device allocation";
                distance = static_cast<long long>(user - address);
            }
        }
    }
    const Launch *l = block_state.launch;
    if (l != nullptr && l->dynamic_bytes > 0) {
        const uintptr_t d = reinterpret_cast<uintptr_t>(l->dynamic_shared);
        if (address >= d + l->dynamic_bytes && address < d + l->dynamic_bytes + 2 * page_size) {
            kind = "the guard zone past the end of the dynamic shared memory";
            distance = static_cast<long long>(address - (d + l->dynamic_bytes));
            bytes = l->dynamic_bytes;
        }
    }
    if (bytes == 0 && chain_to_previous(signal, info, context)) return;
    std::snprintf(text, sizeof text,
                  "esm2j emulator: out-of-bounds access at %p: %s (%lld bytes away, allocation of %zu bytes) [%s]\n",
                  info->si_addr, kind, distance, bytes, where().c_str());
    (void)!write(2, text, std::strlen(text));
    std::abort();
}

void install_segv_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        static char alternate_stack[1 << 16];
        stack_t ss{};
        ss.ss_sp = alternate_stack;
        ss.ss_size = sizeof alternate_stack;
        sigaltstack(&ss, nullptr);
        struct sigaction sa {};
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigaction(SIGSEGV, &sa, &previous_segv);
        sigaction(SIGBUS, &sa, &previous_bus);
    });
}
#else
void install_segv_handler() {}
#endif

std::unordered_map<const void *, int> dynamic_shared_limits;  // cudaFuncAttributeMaxDynamicSharedMemorySize per kernel

cudaError_t set_error(cudaError_t e) {
    if (e != cudaSuccess) last_error = e;
    return e;
}

}  // namespace

// --- device-side entry points (device.h) ------------------------------------------------------------------------------
uint16_t float_to_half_bits(float v) {
    const uint32_t u = float_bits(v);
    const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
    const uint32_t magnitude = u & 0x7fffffffu;
    if (magnitude > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
    if (magnitude >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to or above 65520: inf
    const int exponent = static_cast<int>(magnitude >> 23) - 127;
    if (exponent >= -14) {
        // Normal half: keep 10 mantissa bits, round to nearest even on the 13 dropped ones.
        uint32_t m = magnitude - (112u << 23);  // rebias 127 -> 15
        m += 0x0fffu + ((m >> 13) & 1u);
        return static_cast<uint16_t>(sign | (m >> 13));
    }
    if (exponent < -25) return sign;  // below half the smallest subnormal: zero
    // Subnormal half: value = mantissa_with_implicit_one * 2^(exponent - 23); units of 2^-24.
    const uint32_t mantissa = (magnitude & 0x7fffffu) | 0x800000u;
    const int shift = -exponent - 1;  // 14..24 -> shift the 24-bit mantissa right by (shift) to reach units of 2^-24
    const uint32_t kept = mantissa >> shift, rest = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    const uint32_t rounded = kept + ((rest > halfway || (rest == halfway && (kept & 1u))) ? 1u : 0u);
    return static_cast<uint16_t>(sign | rounded);
}

float half_bits_to_float(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    if (exponent == 0x1f) return bits_float(sign | 0x7f800000u | (mantissa << 13));
    if (exponent == 0) {
        const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    return bits_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

void block_barrier(const char *file, int line) {
    Block &b = block_state;
    if (b.exited > 0) {
        fault("__syncthreads (%s:%d) is reached after %d threads of the block have exited: they can never arrive",
              base_name(file), line, b.exited);
    }
    Fiber &me = self();
    if (b.barrier_arrived == 0) {
        b.barrier_file = file;
        b.barrier_line = line;
    } else if (b.barrier_line != line || std::strcmp(b.barrier_file, file) != 0) {
        fault("divergent __syncthreads: this thread reaches %s:%d while %d threads wait at %s:%d", base_name(file), line,
              b.barrier_arrived, base_name(b.barrier_file), b.barrier_line);
    }
    [[maybe_unused]] const unsigned generation = b.barrier_generation;
#if defined(ESM2J_EMU_TSAN)
    __tsan_release(&b.tsan_barrier[generation & 1]);
#endif
    if (++b.barrier_arrived == b.threads) {
        b.barrier_arrived = 0;
        ++b.barrier_generation;
        for (int i = 0; i < b.threads; ++i) {
            if (b.fibers[i].state == FiberState::kAtBarrier) b.fibers[i].state = FiberState::kRunnable;
        }
        progress.fetch_add(1, std::memory_order_relaxed);
    } else {
        me.state = FiberState::kAtBarrier;
        me.wait_file = file;
        me.wait_line = line;
        while (self().state != FiberState::kRunnable) yield_from_current(false);
    }
#if defined(ESM2J_EMU_TSAN)
    __tsan_acquire(&b.tsan_barrier[generation & 1]);
#endif
}

uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int arg, int width, const char *file, int line) {
    Fiber &me = self();
    me.value = value;
    me.arg = arg;
    me.width = width;
    arrive_at_warp(op, mask, file, line);
    return self().result;
}

void mma_m16n8k16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1, MmaType type, const char *file,
                  int line) {
    Fiber &me = self();
    std::memcpy(me.a, a, sizeof me.a);
    me.b[0] = b0;
    me.b[1] = b1;
    std::memcpy(me.c, d, sizeof me.c);
    me.mma_type = type;
    arrive_at_warp(WarpOp::kMma, 0xffffffffu, file, line);
    std::memcpy(d, self().c, sizeof self().c);
}

void ldmatrix_x4(uint32_t (&r)[4], const void *shared_row, bool transpose, const char *file, int line) {
    Fiber &me = self();
    me.address = shared_row;
    me.transpose = transpose;
    arrive_at_warp(WarpOp::kLdmatrix, 0xffffffffu, file, line);
    std::memcpy(r, self().r, sizeof self().r);
}

void cp_async(void *shared_dst, const void *global_src, int copy_bytes, int src_bytes) {
    if (copy_bytes != 4 && copy_bytes != 8 && copy_bytes != 16) fault("cp.async: cp-size %d is not 4, 8 or 16", copy_bytes);
    if (src_bytes < 0 || src_bytes > copy_bytes) fault("cp.async: src-size %d is outside [0, %d]", src_bytes, copy_bytes);
    if (reinterpret_cast<uintptr_t>(shared_dst) % copy_bytes != 0 || !in_shared(shared_dst, copy_bytes)) {
        fault("cp.async: destination %p is not %d bytes of shared memory aligned to %d", shared_dst, copy_bytes,
              copy_bytes);
    }
    if (reinterpret_cast<uintptr_t>(global_src) % copy_bytes != 0) {
        fault("cp.async: source %p is not aligned to %d bytes", global_src, copy_bytes);
    }
    if (src_bytes > 0 && find_allocation(global_src, static_cast<size_t>(src_bytes)) == nullptr) {
        fault("cp.async: source %p (%d bytes) is outside every device allocation", global_src, src_bytes);
    }
    self().uncommitted.push_back(AsyncCopy{shared_dst, global_src, copy_bytes, src_bytes});
}

void cp_async_commit() {
    Fiber &me = self();
    me.groups.push_back(std::move(me.uncommitted));
    me.uncommitted.clear();
}

void cp_async_wait(int pending) {
    // The latest moment PTX allows: a copy lands only when a wait requires it, so a missing or too weak wait reads
    // the NaN fill (or the previous tile) instead of the data.
    Fiber &me = self();
    if (pending < 0) {
        cp_async_commit();
        pending = 0;
    }
    while (static_cast<int>(me.groups.size()) > pending) {
        for (const AsyncCopy &c : me.groups.front()) land(c);
        me.groups.pop_front();
    }
}

void *dynamic_shared_memory() {
    const Launch *l = block_state.launch;
    return l != nullptr ? l->dynamic_shared : nullptr;
}

void launch_grid(const void *kernel, KernelInvoker invoke, void *bound_call, dim3 grid, dim3 block,
                 size_t dynamic_shared_bytes, cudaStream_t) {
    std::lock_guard<std::mutex> lock(emulator_mutex);
    install_segv_handler();
    start_watchdog();
    const long long number = ++last_record.launches;
    last_record.kernel = kernel;
    last_record.grid = grid;
    last_record.block = block;
    last_record.dynamic_shared_bytes = dynamic_shared_bytes;

    // Launch configuration errors, as the device reports them through cudaGetLastError.
    const unsigned long long threads = 1ull * block.x * block.y * block.z;
    const unsigned grid_dims[3] = {grid.x, grid.y, grid.z}, block_dims[3] = {block.x, block.y, block.z};
    bool valid = threads >= 1 && threads <= kMaxThreadsPerBlock;
    for (int d = 0; d < 3; ++d) {
        valid = valid && grid_dims[d] >= 1 && grid_dims[d] <= kMaxGridDim[d] && block_dims[d] >= 1 &&
                block_dims[d] <= kMaxBlockDim[d];
    }
    if (!valid) {
        std::fprintf(stderr, "esm2j emulator: launch #%lld: invalid configuration grid (%u,%u,%u) block (%u,%u,%u)\n",
                     number, grid.x, grid.y, grid.z, block.x, block.y, block.z);
        set_error(cudaErrorInvalidConfiguration);
        return;
    }
    if (dynamic_shared_bytes > kDefaultSharedLimit) {
        auto it = dynamic_shared_limits.find(kernel);
        const size_t allowed = it == dynamic_shared_limits.end() ? kDefaultSharedLimit : static_cast<size_t>(it->second);
        if (dynamic_shared_bytes > allowed) {
            std::fprintf(stderr,
                         "esm2j emulator: launch #%lld: %zu bytes of dynamic shared memory, more than the %zu allowed "
                         "(above 48 KB needs cudaFuncSetAttribute(MaxDynamicSharedMemorySize) first)\n",
                         number, dynamic_shared_bytes, allowed);
            set_error(cudaErrorInvalidValue);
            return;
        }
    }

    Allocation dynamic{};
    if (dynamic_shared_bytes > 0) {
        dynamic = guarded_allocate(dynamic_shared_bytes, 128);
        if (dynamic.user == nullptr) fault("cannot allocate %zu bytes of dynamic shared memory", dynamic_shared_bytes);
    }
    Launch launch{kernel, invoke, bound_call, grid, block, dynamic_shared_bytes, dynamic.user, number};
    launch_active.store(true);
    for (unsigned z = 0; z < grid.z; ++z) {
        for (unsigned y = 0; y < grid.y; ++y) {
            for (unsigned x = 0; x < grid.x; ++x) run_block(launch, uint3{x, y, z});
        }
    }
    launch_active.store(false);
    block_state.launch = nullptr;
    bool intact = true;
    if (dynamic_shared_bytes > 0) {
        intact = check_slack(dynamic, "the dynamic shared memory");
        guarded_free(dynamic);
    }
    for (const auto &entry : allocations) intact = check_slack(entry.second, "a device allocation") && intact;
    if (!intact) fault("launch #%lld wrote outside its memory (see above)", number);
}

LaunchRecord last_launch() {
    std::lock_guard<std::mutex> lock(emulator_mutex);
    return last_record;
}

void set_sm_count(int count) { sm_count.store(count); }

}  // namespace esm2j_emu

// --- the emulated runtime API -------------------------------------------------------------------------------------------
using esm2j_emu::set_error;

const char *cudaGetErrorName(cudaError_t error) {
    switch (error) {
        case cudaSuccess: return "cudaSuccess";
        case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
        case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
        case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
        case cudaErrorInvalidDevicePointer: return "cudaErrorInvalidDevicePointer";
        case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
        case cudaErrorInvalidDeviceFunction: return "cudaErrorInvalidDeviceFunction";
        case cudaErrorLaunchOutOfResources: return "cudaErrorLaunchOutOfResources";
    }
    return "cudaErrorUnknown";
}

const char *cudaGetErrorString(cudaError_t error) {
    switch (error) {
        case cudaSuccess: return "no error";
        case cudaErrorInvalidValue: return "invalid argument";
        case cudaErrorMemoryAllocation: return "out of memory";
        case cudaErrorInvalidConfiguration: return "invalid configuration argument";
        case cudaErrorInvalidDevicePointer: return "invalid device pointer";
        case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
        case cudaErrorInvalidDeviceFunction: return "invalid device function";
        case cudaErrorLaunchOutOfResources: return "too many resources requested for launch";
    }
    return "unknown error";
}

cudaError_t cudaGetLastError() {
    const cudaError_t e = esm2j_emu::last_error;
    esm2j_emu::last_error = cudaSuccess;
    return e;
}

cudaError_t cudaPeekAtLastError() { return esm2j_emu::last_error; }

cudaError_t cudaGetDevice(int *device) {
    if (device == nullptr) return set_error(cudaErrorInvalidValue);
    *device = 0;
    return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int *value, cudaDeviceAttr attribute, int device) {
    if (value == nullptr || device != 0) return set_error(cudaErrorInvalidValue);
    switch (attribute) {
        case cudaDevAttrMaxThreadsPerBlock: *value = esm2j_emu::kMaxThreadsPerBlock; break;
        case cudaDevAttrMaxSharedMemoryPerBlock: *value = static_cast<int>(esm2j_emu::kDefaultSharedLimit); break;
        case cudaDevAttrMultiProcessorCount: *value = esm2j_emu::sm_count.load(); break;
        case cudaDevAttrMemoryClockRate: *value = 2619000; break;
        case cudaDevAttrGlobalMemoryBusWidth: *value = 5120; break;
        case cudaDevAttrL2CacheSize: *value = 50 << 20; break;
        case cudaDevAttrMaxSharedMemoryPerBlockOptin: *value = static_cast<int>(esm2j_emu::kMaxSharedOptIn); break;
        default: return set_error(cudaErrorInvalidValue);
    }
    return cudaSuccess;
}

cudaError_t cudaMalloc(void **pointer, size_t bytes) {
    if (pointer == nullptr) return set_error(cudaErrorInvalidValue);
    std::lock_guard<std::mutex> lock(esm2j_emu::emulator_mutex);
    esm2j_emu::install_segv_handler();
    const esm2j_emu::Allocation a = esm2j_emu::guarded_allocate(bytes, 256);
    if (a.user == nullptr) return set_error(cudaErrorMemoryAllocation);
    esm2j_emu::allocations[reinterpret_cast<uintptr_t>(a.user)] = a;
    *pointer = a.user;
    return cudaSuccess;
}

cudaError_t cudaFree(void *pointer) {
    if (pointer == nullptr) return cudaSuccess;
    std::lock_guard<std::mutex> lock(esm2j_emu::emulator_mutex);
    auto it = esm2j_emu::allocations.find(reinterpret_cast<uintptr_t>(pointer));
    if (it == esm2j_emu::allocations.end()) return set_error(cudaErrorInvalidDevicePointer);
    if (!esm2j_emu::check_slack(it->second, "a device allocation")) {
        esm2j_emu::fault("cudaFree: the allocation at %p was written outside its bounds", pointer);
    }
    esm2j_emu::guarded_free(it->second);
    esm2j_emu::allocations.erase(it);
    return cudaSuccess;
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind) {
    if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault) return set_error(cudaErrorInvalidMemcpyDirection);
    {
        std::lock_guard<std::mutex> lock(esm2j_emu::emulator_mutex);
        const bool device_dst = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
        const bool device_src = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
        if ((device_dst && esm2j_emu::find_allocation(dst, bytes) == nullptr) ||
            (device_src && esm2j_emu::find_allocation(src, bytes) == nullptr)) {
            return set_error(cudaErrorInvalidValue);
        }
    }
    if (bytes > 0) std::memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemset(void *pointer, int value, size_t bytes) {
    {
        std::lock_guard<std::mutex> lock(esm2j_emu::emulator_mutex);
        if (esm2j_emu::find_allocation(pointer, bytes) == nullptr) return set_error(cudaErrorInvalidValue);
    }
    std::memset(pointer, value, bytes);
    return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }

cudaError_t esm2j_emu_func_set_attribute(const void *kernel, cudaFuncAttribute attribute, int value) {
    if (kernel == nullptr || attribute != cudaFuncAttributeMaxDynamicSharedMemorySize || value < 0 ||
        static_cast<size_t>(value) > esm2j_emu::kMaxSharedOptIn) {
        return set_error(cudaErrorInvalidValue);
    }
    std::lock_guard<std::mutex> lock(esm2j_emu::emulator_mutex);
    esm2j_emu::dynamic_shared_limits[kernel] = value;
    return cudaSuccess;
}

// Resident blocks per SM from the thread, block and shared memory limits of an H100 (registers are not modelled: the
// resource-usage report of the nvcc build covers them).
cudaError_t esm2j_emu_occupancy(int *blocks, const void *kernel, int block_size, size_t dynamic_shared_bytes) {
    if (blocks == nullptr || kernel == nullptr || block_size < 1) return set_error(cudaErrorInvalidValue);
    const int warps = (block_size + 31) / 32;
    int count = std::min(esm2j_emu::kMaxThreadsPerSm / (32 * warps), esm2j_emu::kMaxBlocksPerSm);
    // 1 KB of shared memory per block is reserved by the system on sm_90.
    count = std::min<int>(count, static_cast<int>(esm2j_emu::kSharedPerSm / (dynamic_shared_bytes + 1024)));
    *blocks = std::max(count, 0);
    return cudaSuccess;
}

struct esm2j_emu_event {
    std::chrono::steady_clock::time_point time;
};

cudaError_t cudaEventCreate(cudaEvent_t *event) {
    if (event == nullptr) return set_error(cudaErrorInvalidValue);
    *event = new esm2j_emu_event{};
    return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) {
    if (event == nullptr) return set_error(cudaErrorInvalidValue);
    event->time = std::chrono::steady_clock::now();
    return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t event) { return event != nullptr ? cudaSuccess : set_error(cudaErrorInvalidValue); }
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t stop) {
    if (ms == nullptr || start == nullptr || stop == nullptr) return set_error(cudaErrorInvalidValue);
    *ms = std::chrono::duration<float, std::milli>(stop->time - start->time).count();
    return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t event) {
    delete event;
    return cudaSuccess;
}
