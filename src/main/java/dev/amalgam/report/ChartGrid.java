package dev.amalgam.report;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import org.knowm.xchart.internal.chartpart.Chart;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * XChart panels of one size laid out row by row in a grid and rendered as one PNG or one SVG image
 * (XChart's own encoders draw one chart per file). Rendering is headless.
 */
record ChartGrid(List<? extends Chart<?, ?>> panels, int columns) {
    /** Size of one panel in pixels. */
    static final int PANEL_WIDTH = 800;
    static final int PANEL_HEIGHT = 500;

    static {
        // Charts are files, never windows: no display is needed even where one exists.
        System.setProperty("java.awt.headless", "true");
    }

    ChartGrid {
        panels = List.copyOf(panels);
        if (panels.isEmpty() || columns < 1) {
            throw new IllegalArgumentException("a chart grid needs panels and at least one column");
        }
        for (Chart<?, ?> panel : panels) {
            if (panel.getWidth() != PANEL_WIDTH || panel.getHeight() != PANEL_HEIGHT) {
                throw new IllegalArgumentException("panels must be " + PANEL_WIDTH + "x" + PANEL_HEIGHT);
            }
        }
    }

    int width() {
        return Math.min(columns, panels.size()) * PANEL_WIDTH;
    }

    int height() {
        return (panels.size() + columns - 1) / columns * PANEL_HEIGHT;
    }

    byte[] png() {
        BufferedImage image = new BufferedImage(width(), height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            paint(g);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode PNG", e);
        }
        return out.toByteArray();
    }

    byte[] svg() {
        VectorGraphics2D g = new VectorGraphics2D();
        paint(g);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, width(), height())).writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode SVG", e);
        }
        return out.toByteArray();
    }

    private void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        for (int i = 0; i < panels.size(); i++) {
            Graphics2D cell = (Graphics2D) g.create();
            try {
                cell.translate(i % columns * PANEL_WIDTH, i / columns * PANEL_HEIGHT);
                panels.get(i).paint(cell, PANEL_WIDTH, PANEL_HEIGHT);
            } finally {
                cell.dispose();
            }
        }
    }
}
