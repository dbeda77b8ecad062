package org.esm2j.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.model.Esm2Weights;

/**
 * The contact head's logistic regression in device memory: the (L*H) fp32 weight, channel {@code l * H + h} for head
 * h of layer l, so that each layer's heads are one contiguous slice, and the bias, which the finishing sigmoid takes
 * by value.
 */
final class DeviceContactHead implements AutoCloseable {
    private final Pointer weight;
    private final int heads;
    private final float bias;
    private final long bytes;

    private DeviceContactHead(Pointer weight, int heads, float bias, long bytes) {
        this.weight = weight;
        this.heads = heads;
        this.bias = bias;
        this.bytes = bytes;
    }

    /** Uploads the regression of these weights, or returns null when they carry no contact head. */
    static DeviceContactHead upload(Esm2Weights w) {
        if (!w.hasContactHead()) {
            return null;
        }
        float[] values = w.floats(Esm2Weights.CONTACT_WEIGHT);
        float bias = w.floats(Esm2Weights.CONTACT_BIAS)[0];
        long size = (long) values.length * Float.BYTES;
        Pointer device = CudaDevice.pointer(CudaDevice.allocate(size, "contact weights"));
        try (FloatPointer host = new FloatPointer(values)) {
            CudaDevice.copy(device.address(), host.address(), size, CudaDevice.Copy.HOST_TO_DEVICE, "contact weights");
        } catch (RuntimeException e) {
            Esm2jCuda.esm2j_device_free(device);
            throw e;
        }
        return new DeviceContactHead(device, w.config().attentionHeads(), bias, size);
    }

    /** Layer l's slice of the regression weight: H fp32 values on the device. */
    FloatPointer layerWeight(int layer) {
        return new FloatPointer(CudaRuntime.device(weight.address() + (long) layer * heads * Float.BYTES));
    }

    float bias() {
        return bias;
    }

    long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        Esm2jCuda.esm2j_device_free(weight);
    }
}
