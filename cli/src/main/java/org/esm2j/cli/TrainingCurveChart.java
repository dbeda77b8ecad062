package org.esm2j.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.List;
import org.esm2j.function.probe.ProbeTrainer;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The training-curve chart of {@code esm2j finetune}: mean training loss and validation loss per epoch, with the
 * epoch whose weights were kept (the lowest validation loss) marked by a vertical line. Written as PNG and SVG with
 * {@link PrecisionRecallChart}'s writers.
 */
final class TrainingCurveChart {
    private TrainingCurveChart() {
    }

    static JFreeChart build(String title, List<ProbeTrainer.Epoch> history, int bestEpoch) {
        XYSeries train = new XYSeries("training loss", false, true);
        XYSeries valid = new XYSeries("validation loss", false, true);
        for (ProbeTrainer.Epoch e : history) {
            train.add(e.epoch(), e.trainLoss());
            if (!Double.isNaN(e.validationLoss())) {
                valid.add(e.epoch(), e.validationLoss());
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(train);
        if (valid.getItemCount() > 0) {
            data.addSeries(valid);
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, new Color(0xd62728));
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        renderer.setSeriesStroke(1, new BasicStroke(2f));
        NumberAxis epochs = new NumberAxis("Epoch");
        epochs.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis loss = new NumberAxis("Mean BCE loss per term");
        loss.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, epochs, loss, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (bestEpoch > 0) {
            ValueMarker marker = new ValueMarker(bestEpoch, Color.DARK_GRAY, new BasicStroke(1.5f,
                    BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            marker.setLabel("kept: epoch " + bestEpoch);
            marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(marker);
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }
}
