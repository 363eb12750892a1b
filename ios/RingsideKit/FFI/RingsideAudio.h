// The core's real-time audio entry points (rust-core/ffi/src/audio.rs), for the audio thread:
// they neither lock nor allocate. `handle` is AudioBridge.realtimeHandle(); the bridge must
// outlive every call made with it. Samples are 48 kHz mono signed 16-bit.
#pragma once
#include <stddef.h>
#include <stdint.h>

size_t ringside_audio_push(uint64_t handle, const int16_t *pcm, size_t len);
void ringside_audio_pull(uint64_t handle, int16_t *out, size_t len);
