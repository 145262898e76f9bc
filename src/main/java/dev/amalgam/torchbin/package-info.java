/**
 * PyTorch {@code .bin} checkpoints ({@code torch.save} of a state dict) read without running their code: a restricted
 * pickle machine that knows only the opcodes and globals a state dict needs and refuses anything else, the zip
 * (torch >= 1.6) and legacy container formats, and tensors handed out as byte ranges of the memory-mapped file
 * (read lazily, like safetensors). Depends on the root package only; {@code safetensors} adapts it to
 * {@code SafetensorsModel}.
 */
package dev.amalgam.torchbin;
