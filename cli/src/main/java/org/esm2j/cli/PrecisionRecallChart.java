package org.esm2j.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.esm2j.function.metrics.PrecisionRecallCurve;
import org.esm2j.io.AtomicFiles;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The precision-recall chart of {@code esm2j evaluate}: on the left CAFA's protein-centric curve over the thresholds
 * 0.01..1.00 with each F-max point marked, on the right the micro-averaged curve over all protein-term pairs (a step
 * per distinct score), one line per group (all terms, or each GO namespace).
 */
final class PrecisionRecallChart {
    static final int WIDTH = 1200;
    static final int HEIGHT = 560;
    /** Points closer than this (in recall and precision) to the last drawn one are not drawn: the picture is the same
     *  and a micro curve over millions of pairs stays a small SVG. */
    private static final double RESOLUTION = 1e-3;
    private static final Paint[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    static {
        // A chart needs no display; without this a desktop session's DISPLAY would make AWT open it.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /**
     * One group's curves.
     *
     * @param name           the legend label
     * @param proteinCentric the protein-centric curve (points over thresholds with at least one prediction)
     * @param fmaxRecall     recall at the F-max threshold (NaN when there is none)
     * @param fmaxPrecision  precision at the F-max threshold
     * @param micro          the micro-averaged curve
     */
    record Group(String name, PrecisionRecallCurve proteinCentric, double fmaxRecall, double fmaxPrecision,
            PrecisionRecallCurve micro) {
    }

    private PrecisionRecallChart() {
    }

    static JFreeChart build(String title, List<Group> groups) {
        XYSeriesCollection proteinLines = new XYSeriesCollection();
        XYSeriesCollection fmaxPoints = new XYSeriesCollection();
        XYSeriesCollection microLines = new XYSeriesCollection();
        for (Group g : groups) {
            proteinLines.addSeries(series(g.name(), g.proteinCentric()));
            XYSeries point = new XYSeries(g.name() + " F-max", false, true);
            if (!Double.isNaN(g.fmaxRecall())) {
                point.add(g.fmaxRecall(), g.fmaxPrecision());
            }
            fmaxPoints.addSeries(point);
            microLines.addSeries(series(g.name(), g.micro()));
        }
        XYLineAndShapeRenderer proteinRenderer = new XYLineAndShapeRenderer(true, false);
        XYLineAndShapeRenderer pointRenderer = new XYLineAndShapeRenderer(false, true);
        XYStepRenderer microRenderer = new XYStepRenderer();
        // Step at the start of each interval: precision at a point holds for the recall gained up to it.
        microRenderer.setStepPoint(0.0);
        for (int i = 0; i < groups.size(); i++) {
            Paint paint = PALETTE[i % PALETTE.length];
            proteinRenderer.setSeriesPaint(i, paint);
            proteinRenderer.setSeriesStroke(i, new BasicStroke(2f));
            pointRenderer.setSeriesPaint(i, paint);
            pointRenderer.setSeriesShape(i, new Ellipse2D.Double(-5, -5, 10, 10));
            pointRenderer.setSeriesVisibleInLegend(i, false);
            microRenderer.setSeriesPaint(i, paint);
            microRenderer.setSeriesStroke(i, new BasicStroke(2f));
            microRenderer.setSeriesVisibleInLegend(i, false);
        }

        NumberAxis precision = unitAxis("Precision");
        CombinedRangeXYPlot plot = new CombinedRangeXYPlot(precision);
        plot.setGap(24);
        XYPlot left = new XYPlot(proteinLines, unitAxis("Recall: protein-centric (CAFA), dot = F-max"), null,
                proteinRenderer);
        left.setDataset(1, fmaxPoints);
        left.setRenderer(1, pointRenderer);
        plot.add(left, 1);
        plot.add(new XYPlot(microLines, unitAxis("Recall: micro-averaged over protein-term pairs"), null,
                microRenderer), 1);
        for (Object sub : plot.getSubplots()) {
            XYPlot p = (XYPlot) sub;
            p.setBackgroundPaint(Color.WHITE);
            p.setDomainGridlinePaint(Color.LIGHT_GRAY);
            p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    static void writePng(Path file, JFreeChart chart) throws IOException {
        AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
    }

    static void writeSvg(Path file, JFreeChart chart) throws IOException {
        SVGGraphics2D g2 = new SVGGraphics2D(WIDTH, HEIGHT);
        // The default prefix of clip-path ids is a clock reading; a fixed one makes equal charts equal files.
        g2.setDefsKeyPrefix("esm2j-");
        chart.draw(g2, new Rectangle(0, 0, WIDTH, HEIGHT));
        byte[] svg = g2.getSVGDocument().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(svg));
    }

    private static NumberAxis unitAxis(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setRange(0, 1.0);
        axis.setAutoRange(false);
        return axis;
    }

    /** The curve from recall 0 up, thinned to the chart's resolution (first and last points always kept). */
    private static XYSeries series(String name, PrecisionRecallCurve curve) {
        XYSeries s = new XYSeries(name, false, true);
        int n = curve.size();
        double lastRecall = Double.NaN;
        double lastPrecision = Double.NaN;
        for (int k = 0; k < n; k++) {
            double r = curve.recall()[k];
            double p = curve.precision()[k];
            boolean far = !(Math.abs(r - lastRecall) < RESOLUTION && Math.abs(p - lastPrecision) < RESOLUTION);
            if (k == 0 || k == n - 1 || far) {
                s.add(r, p);
                lastRecall = r;
                lastPrecision = p;
            }
        }
        return s;
    }
}
