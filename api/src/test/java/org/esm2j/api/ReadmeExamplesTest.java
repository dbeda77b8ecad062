package org.esm2j.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.hub.ModelHub;
import org.esm2j.hub.ReleasedModel;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Keeps the README's Java examples from rotting: every {@code ```java} block of README.md is compiled as written (its
 * import lines on top, the rest as the body of a method) and run. Two things are arranged around them: string
 * literals starting with {@code "testdata/} are resolved against the repository (the examples are written for its
 * root), and a released name downloads from a local stand-in for Meta's site that serves the tiny fixture under the
 * 8M model's file names, into a temporary cache ({@code -Desm2j.hub.url}, {@code -Desm2j.home}).
 */
class ReadmeExamplesTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Path REPOSITORY = Fixtures.root().getParent().getParent();

    @TempDir
    Path work;

    @Test
    void everyJavaExampleInTheReadmeCompilesAndRuns() throws Exception {
        List<String> blocks = javaBlocks(Files.readString(REPOSITORY.resolve("README.md")));
        assertTrue(blocks.size() >= 3, "expected the README's three Java examples, found " + blocks.size());
        assertTrue(blocks.stream().anyMatch(b -> b.contains("Esm2.load(Path.of(")), "an example loads a local path");
        assertTrue(blocks.stream().anyMatch(b -> b.contains("Esm2.load(\"")), "an example loads a released name");

        Path classes = compile(blocks);

        HttpServer site = metaDownloadSite();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ReadmeExamplesTest.class.getClassLoader())) {
            System.setProperty(ModelHub.HOME_PROPERTY, work.resolve("cache").toString());
            System.setProperty(ModelHub.BASE_URL_PROPERTY,
                    "http://127.0.0.1:" + site.getAddress().getPort() + "/fair-esm/");
            for (int i = 0; i < blocks.size(); i++) {
                try {
                    loader.loadClass("readme.Example" + i).getMethod("run").invoke(null);
                } catch (InvocationTargetException e) {
                    throw new AssertionError("README Java example " + (i + 1) + " failed:\n" + blocks.get(i),
                            e.getCause());
                }
            }
        } finally {
            System.clearProperty(ModelHub.HOME_PROPERTY);
            System.clearProperty(ModelHub.BASE_URL_PROPERTY);
            site.stop(0);
        }
        assertTrue(Files.isRegularFile(work.resolve("cache").resolve(
                ReleasedModel.ESM2_T6_8M_UR50D.checkpointFileName())), "the named model was downloaded");
    }

    private static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(markdown);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    /** Compiles block i as class {@code readme.Example<i>} with a {@code public static void run()}. */
    private Path compile(List<String> blocks) throws IOException, URISyntaxException {
        Path sources = Files.createDirectories(work.resolve("src/readme"));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            List<String> imports = new ArrayList<>();
            List<String> body = new ArrayList<>();
            for (String line : blocks.get(i).split("\n", -1)) {
                (line.startsWith("import ") ? imports : body).add(line);
            }
            String source = "package readme;\n" + String.join("\n", imports) + "\npublic final class Example" + i
                    + " {\n    public static void run() throws Exception {\n"
                    + String.join("\n", body).replace("\"testdata/", "\"" + REPOSITORY.resolve("testdata") + "/")
                    + "\n    }\n}\n";
            Path file = sources.resolve("Example" + i + ".java");
            Files.writeString(file, source);
            files.add(file);
        }
        Path classes = Files.createDirectories(work.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fileManager = javac.getStandardFileManager(diagnostics, null,
                StandardCharsets.UTF_8)) {
            List<String> options = List.of("-proc:none", "-d", classes.toString(), "-classpath", libraryClasspath());
            boolean compiled = javac.getTask(null, fileManager, diagnostics, options, null,
                    fileManager.getJavaFileObjectsFromPaths(files)).call();
            assertTrue(compiled, "README Java examples do not compile:\n" + diagnostics.getDiagnostics().stream()
                    .map(Object::toString).collect(Collectors.joining("\n")));
        }
        return classes;
    }

    /** What a user of esm2j-api has on the classpath: the three modules and slf4j-api. */
    private static String libraryClasspath() throws URISyntaxException {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : List.of(Esm2.class, Esm2Model.class, CheckpointLoader.class, LoggerFactory.class)) {
            entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Meta's URL layout on 127.0.0.1, serving the tiny fixture as the 8M model. */
    private static HttpServer metaDownloadSite() throws IOException {
        ReleasedModel model = ReleasedModel.ESM2_T6_8M_UR50D;
        Path fixture = Fixtures.metaCheckpoint(Fixtures.TINY);
        Map<String, byte[]> files = Map.of(
                "/fair-esm/models/" + model.checkpointFileName(), Files.readAllBytes(fixture),
                "/fair-esm/regression/" + model.contactRegressionFileName(),
                Files.readAllBytes(fixture.resolveSibling(Fixtures.TINY + "-contact-regression.pt")));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] content = files.get(exchange.getRequestURI().getPath());
                if (content == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, content.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(content);
                }
            }
        });
        server.start();
        return server;
    }
}
