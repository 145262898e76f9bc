/**
 * The search journal: the run folder's files ({@link dev.amalgam.history.RunFiles}), the one definition of its
 * CSV columns ({@link dev.amalgam.history.JournalTable}), its records ({@link dev.amalgam.history.Candidate},
 * {@link dev.amalgam.history.GenerationStats}, ...), the writer ({@link dev.amalgam.history.SearchJournal}), the
 * tolerant reader ({@link dev.amalgam.history.Journal}) and the one rule that ranks candidates for export
 * ({@link dev.amalgam.history.Ranking}). Tables are typed Tablesaw tables.
 *
 * <p>May depend on: the root package, files, Tablesaw and Jackson. Not on evolve: evolve writes through it,
 * report and export read through it.
 */
package dev.amalgam.history;
