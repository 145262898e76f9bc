/**
 * Amalgam's root: what every feature package may use and that depends on nothing of Amalgam's own:
 * {@link dev.amalgam.BadInputException} (the one-line, exit-code-2 error), {@link dev.amalgam.DidYouMean} and
 * {@link dev.amalgam.AmalgamVersion}. Feature packages (recipe, torchbin, safetensors, arch, merge, llm, eval, evolve,
 * history, report, zoo, cli) depend one way only; {@code PackageDependenciesTest} checks there is no cycle.
 */
package dev.amalgam;
