/**
 * The {@code amalgam} command line (picocli): one command class per verb, turning options into calls of the
 * feature packages and their results into text. No feature logic lives here.
 *
 * <p>May depend on: any feature package. Nothing depends on it (the tests drive it through
 * {@link dev.amalgam.cli.AmalgamCommand#newCommandLine()}).
 */
package dev.amalgam.cli;
