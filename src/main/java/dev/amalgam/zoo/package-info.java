/**
 * The demo zoo ({@code amalgam zoo build}): fine-tunes specialists of stories260K on synthetic skills, writes
 * them as Hugging Face folders with their task data under {@code results/zoo/}, and checks a built zoo by hash.
 *
 * <p>May depend on: the root package, llm, eval, safetensors, files.
 */
package dev.amalgam.zoo;
