/**
 * {@code amalgam report}: charts (XChart), the HTML page and the text summary of one or more run folders, read
 * through history's {@link dev.amalgam.history.Journal} plus the parts of {@code run.yaml} it shows.
 *
 * <p>May depend on: the root package, history, files. Not on evolve: a report needs no models and no search code.
 */
package dev.amalgam.report;
