// Times `simulate` in the wasm build: simulated seconds per wall second.
import { readFileSync } from "node:fs";
const path = process.argv[2];
const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
for (const [masters, secs] of [[3, 600], [50, 60], [500, 30]]) {
  const t = performance.now();
  const nodes = instance.exports.simulate(masters, secs * 1000);
  const wall = (performance.now() - t) / 1000;
  console.log(`  ${String(nodes).padStart(5)} nodes: ${secs} simulated s in ${wall.toFixed(3)} s wall = ${(secs / wall).toFixed(2)} simulated s per wall s (wasm, Node ${process.version})`);
}
