import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { CONFORMANCE_DIR, conformanceAvailable } from './helpers/conformance.js'
import { importChain, tempDir } from './helpers/node.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A datadir holding the imported conformance chain, to copy (null if the suite is absent). */
    conformanceTemplate: string | null
  }
}

/**
 * Imports the conformance chain once for the whole run; test files copy the datadir instead of
 * re-executing 54 blocks each.
 */
export default async function setup(project: TestProject) {
  if (!conformanceAvailable()) {
    project.provide('conformanceTemplate', null)
    return
  }
  const dir = tempDir('hindsight-conformance-template-')
  await importChain({
    datadir: dir.path,
    genesisPath: join(CONFORMANCE_DIR, 'genesis.json'),
    files: [join(CONFORMANCE_DIR, 'chain.rlp')],
  })
  project.provide('conformanceTemplate', dir.path)
  return () => rmSync(dir.path, { recursive: true, force: true })
}
