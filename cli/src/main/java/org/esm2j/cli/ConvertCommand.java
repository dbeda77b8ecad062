package org.esm2j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.esm2j.checkpoint.CanonicalWriter;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code esm2j convert}: any supported checkpoint layout to esm2j's canonical safetensors. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Convert a checkpoint (released model name, fair-esm .pt, Hugging Face folder or file) to "
                + "esm2j's canonical safetensors, which loads fastest (memory-mapped) and records its source and "
                + "SHA-256.")
public final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "The checkpoint to read.")
    String input;

    @Parameters(index = "1", paramLabel = "OUT.safetensors", description = "The file to write (atomically).")
    Path output;

    @Option(names = "--dtype", paramLabel = "fp32|bf16|fp16", defaultValue = "fp32",
            converter = FloatTypeConverter.class,
            description = "Storage type of the weights (default ${DEFAULT-VALUE}); rotary frequencies stay fp32.")
    DType dtype;

    @Option(names = "--offline", description = "Never download: a released model must already be in the cache.")
    boolean offline;

    @Mixin
    ConsoleOptions console;

    @Override
    public Integer call() throws IOException {
        OutputTarget target = OutputTarget.of(output);
        if (target.isStandardOutput()) {
            throw new ParameterException(spec.commandLine(), "convert writes a file, not standard output");
        }
        OutputFormat named = OutputFormat.forExtension(output).orElse(OutputFormat.SAFETENSORS);
        if (named != OutputFormat.SAFETENSORS) {
            throw new ParameterException(spec.commandLine(), "convert writes safetensors, but " + output
                    + " names the " + named.cliName() + " format");
        }
        target = target.check(spec, "OUT", OutputFormat.SAFETENSORS, ModelOptions.inputPaths(input));
        LoadedCheckpoint checkpoint = ModelOptions.loadCheckpoint(input, offline,
                ModelOptions.downloadListener(spec.commandLine().getErr(), console.showProgress()));
        CanonicalWriter.write(checkpoint, target.path(), dtype);
        if (!console.quiet) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(checkpoint.describe());
            out.println("wrote " + output + " (" + dtype.safetensorsName() + ")");
            out.flush();
        }
        return 0;
    }

    /** {@code --dtype}: a bad name is a usage error. */
    static final class FloatTypeConverter implements ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            try {
                return DType.parseFloatType(value.strip());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
