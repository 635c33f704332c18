#pragma once

#include <malloc.h>

namespace iof {

// Keeps the memory the process frees for its own reuse instead of handing it back to the kernel.
//
// glibc maps every block of 32 MiB or more afresh and unmaps it when freed, and trims the heap
// top once 128 KiB lie free there. A 50,000-offer event (15 MiB in protobuf, 32 MiB in JSON)
// then lands in memory the process has never touched, every time, and on these virtual machines
// the page faults cost more than the work: mesos-sim's JSON encoding of such an event took 264 ms
// that way and 102 ms with this (tests/bench/sim_scale_bench 50000). Peak RSS is unchanged;
// what changes is that RSS no longer falls back after a large event.
//
// Called first thing by the framework and mesos-sim, and by the benchmarks that stand in for
// them.
inline void retain_freed_memory() {
  mallopt(M_MMAP_MAX, 0);                // large blocks come from the heap too, and are reused
  mallopt(M_TRIM_THRESHOLD, 256 << 20);  // the heap top is given back past 256 MiB free
}

}  // namespace iof
