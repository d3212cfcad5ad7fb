// Runs SPARQL SELECT queries with Apache Jena ARQ on one data file loaded once, for bench/jena.py.
//
//   java -cp CLASSPATH bench/JenaQueries.java DATA RUNS BUDGET_SECONDS MANIFEST
//
// DATA is N-Quads (or N-Triples): every quad's triple goes into one in-memory graph, so the graph
// queried is the union of the named graphs (what the project's stores query as their default
// graph; the temporal questions use no GRAPH). MANIFEST has one line per query: a name, the query
// file and the file the rows are written to (SPARQL JSON results), separated by tabs. Each query
// runs once to warm up and then RUNS times, every run reading all its rows; a run that exceeds
// BUDGET_SECONDS is cancelled and the query reported without times. Printed on stdout: one JSON
// object per line, {"load_s": ...} first, then {"name": ..., "ms": [...], "rows": ...} per query.

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Triple;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryCancelledException;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.query.ResultSetRewindable;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.rdf.model.ModelFactory;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.riot.system.StreamRDFBase;
import org.apache.jena.sparql.core.Quad;
import org.apache.jena.sparql.graph.GraphFactory;

public class JenaQueries {
    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        int runs = Integer.parseInt(args[1]);
        long budgetMs = (long) (Double.parseDouble(args[2]) * 1000);
        List<String> manifest = Files.readAllLines(Path.of(args[3]), StandardCharsets.UTF_8);

        long started = System.nanoTime();
        Graph graph = GraphFactory.createGraphMem();
        RDFParser.source(data)
                .lang(data.toString().endsWith(".nt") ? Lang.NTRIPLES : Lang.NQUADS)
                .parse(new StreamRDFBase() {
                    @Override
                    public void triple(Triple triple) {
                        graph.add(triple);
                    }

                    @Override
                    public void quad(Quad quad) {
                        graph.add(quad.asTriple());
                    }
                });
        Model model = ModelFactory.createModelForGraph(graph);
        System.out.printf("{\"load_s\": %.3f, \"triples\": %d}%n",
                (System.nanoTime() - started) / 1e9, graph.size());

        for (String line : manifest) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split("\t");
            Query query = QueryFactory.create(Files.readString(Path.of(fields[1])));
            List<Double> times = new ArrayList<>();
            ResultSetRewindable rows = null;
            try {
                for (int i = 0; i <= runs; i++) {
                    long t = System.nanoTime();
                    try (QueryExecution exec = QueryExecution.create()
                            .query(query)
                            .model(model)
                            .timeout(budgetMs, TimeUnit.MILLISECONDS)
                            .build()) {
                        rows = ResultSetFactory.copyResults(exec.execSelect());
                    }
                    double ms = (System.nanoTime() - t) / 1e6;
                    if (i > 0) {
                        times.add(ms);
                    }
                }
            } catch (QueryCancelledException exc) {
                times = null;
                rows = null;
            }
            int count = 0;
            if (rows != null) {
                rows.reset();
                try (OutputStream out = new FileOutputStream(fields[2])) {
                    ResultSetFormatter.outputAsJSON(out, rows);
                }
                count = rows.size();
            }
            StringBuilder ms = new StringBuilder();
            if (times != null) {
                for (double value : times) {
                    ms.append(ms.length() == 0 ? "" : ", ").append(String.format("%.3f", value));
                }
            }
            System.out.printf("{\"name\": \"%s\", \"ms\": %s, \"rows\": %d}%n",
                    fields[0].replace("\\", "\\\\").replace("\"", "\\\""),
                    times == null ? "null" : "[" + ms + "]", count);
            System.out.flush();
        }
    }
}
