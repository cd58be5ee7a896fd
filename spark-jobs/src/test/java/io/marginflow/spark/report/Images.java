package io.marginflow.spark.report;

import java.awt.image.BufferedImage;

/** Pixel statistics of rendered images and screenshots. */
final class Images {

  private Images() {}

  /** Fraction of pixels that are clearly coloured (not white, grey or black). */
  static double colouredFraction(BufferedImage img) {
    long coloured = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
          coloured++;
        }
      }
    }
    return coloured / (double) ((long) img.getWidth() * img.getHeight());
  }

  /** Fraction of pixels that are not (near) white. */
  static double inkedFraction(BufferedImage img) {
    long inked = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        if (((rgb >> 16) & 0xff) < 235 || ((rgb >> 8) & 0xff) < 235 || (rgb & 0xff) < 235) {
          inked++;
        }
      }
    }
    return inked / (double) ((long) img.getWidth() * img.getHeight());
  }
}
