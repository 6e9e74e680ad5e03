// Bench-only preload (never loaded by the product): a sampling heap profile
// that keeps the objects the GC already collected, so it shows what each
// function allocates per request rather than what is still alive. Sampling
// starts after ALLOC_PROFILE_DELAY_MS (the warm-up); on SIGTERM the profile and
// the number of responses finished while sampling go to ALLOC_PROFILE_OUT.
// With ALLOC_PROFILE_LIVE=1 the profile keeps only objects still alive after
// a forced full GC instead: a first SIGUSR2 starts sampling and a second one,
// sent under load, collects the garbage and writes the profile. That is what
// each function's allocations hold while requests are in flight (what a
// scavenge promotes to the old generation when they wait for a connection).
import dc from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
let responses = 0;
let sampling = false;
dc.subscribe('http.server.response.finish', () => {
  if (sampling) responses += 1;
});
await post('HeapProfiler.enable');
const write = (error, result) => {
  if (!error) writeFileSync(process.env.ALLOC_PROFILE_OUT, JSON.stringify({ responses, profile: result.profile }));
};
if (process.env.ALLOC_PROFILE_LIVE === '1') {
  process.on('SIGUSR2', () => {
    if (!sampling) {
      void post('HeapProfiler.startSampling', { samplingInterval: 1024 }).then(() => {
        sampling = true;
      });
      return;
    }
    // Garbage not yet collected would count as held (needs --expose-gc).
    globalThis.gc?.();
    globalThis.gc?.();
    session.post('HeapProfiler.stopSampling', write);
  });
} else setTimeout(() => {
  // ALLOC_PROFILE_PROMOTED=1: leave out what a scavenge collected, so what remains is what survived one (promoted, or alive at the end).
  const minor = process.env.ALLOC_PROFILE_PROMOTED !== '1';
  void post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: minor }).then(() => {
    sampling = true;
  });
}, Number(process.env.ALLOC_PROFILE_DELAY_MS ?? 3000)).unref();
process.prependListener('SIGTERM', () => {
  if (process.env.ALLOC_PROFILE_LIVE !== '1') session.post('HeapProfiler.stopSampling', write);
});
