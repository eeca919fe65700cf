import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The URL of a worker script, given its path under src/ with a .js extension (e.g.
 * 'execution/call/worker.js'): the compiled file beside the caller once built. When the code runs
 * from its TypeScript source (vitest), workers still need JavaScript, so they use tsc's output in
 * dist/ (`npm test` compiles first: the pretest script).
 */
export function workerScriptURL(script: string): URL {
  const here = new URL(import.meta.url)
  if (here.pathname.endsWith('.js')) return new URL(`../${script}`, here)
  const compiled = new URL(`../../dist/src/${script}`, here)
  if (!existsSync(fileURLToPath(compiled))) {
    throw new Error(`worker not built: ${fileURLToPath(compiled)} is missing; run \`npx tsc -p .\` first`)
  }
  return compiled
}
