import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

/**
 * Loads one of an @ethereumjs package's own ES modules (`file` under its dist/esm/), for the few
 * functions and classes the packages use internally but do not export from their entry point.
 * They are the very modules the entry point loads, so classes and state are shared with it. The
 * packages are pinned to an exact version in package.json; the callers check what they got.
 * (Found from the CommonJS entry require() resolves: import.meta.resolve is not available
 * everywhere the node runs, vitest included.)
 */
export async function importEthereumjsModule<T>(pkg: '@ethereumjs/vm' | '@ethereumjs/evm', file: string): Promise<T> {
  const esmDir = new URL('../esm/', pathToFileURL(createRequire(import.meta.url).resolve(pkg)))
  return (await import(new URL(file, esmDir).href)) as T
}
