import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'
import type { RunningNode } from '../../src/main.js'
import { CONFORMANCE_DIR, conformanceAvailable, conformanceMissingMessage } from './conformance.js'
import { importChain, rpcCall, rpcRequest, startTestNode, tempDir } from './node.js'

/** A node serving the imported rpc-compat conformance chain (54 blocks, Homestead to BPO2). */
export interface ConformanceNode {
  node: RunningNode
  url: string
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>
  request(method: string, params?: unknown[]): ReturnType<typeof rpcRequest>
  close(): Promise<void>
}

/**
 * A fresh datadir holding the imported conformance chain: a copy of the one test/global-setup.ts
 * imported for the run. `finalized` marks a block safe and finalized, as `import --finalized` does.
 */
export async function copyConformanceDatadir(options: { finalized?: string } = {}): Promise<{ path: string; remove(): void }> {
  const template = inject('conformanceTemplate')
  if (template === null || !conformanceAvailable()) throw new Error(conformanceMissingMessage())
  const dir = tempDir()
  cpSync(template, dir.path, { recursive: true })
  if (options.finalized !== undefined) {
    await importChain({ datadir: dir.path, genesisPath: join(CONFORMANCE_DIR, 'genesis.json'), files: [], finalized: options.finalized })
  }
  return dir
}

/**
 * Serves a copy of the imported conformance chain over HTTP. `finalized`
 * marks a block safe and finalized ('head', a number or a hash); without it those tags are unset.
 */
export async function startConformanceNode(options: { finalized?: string } = {}): Promise<ConformanceNode> {
  const dir = await copyConformanceDatadir(options)
  const node = await startTestNode(dir.path)
  return {
    node,
    url: node.url,
    call: (method, params = []) => rpcCall(node.url, method, params),
    request: (method, params = []) => rpcRequest(node.url, method, params),
    async close() {
      await node.close()
      dir.remove()
    },
  }
}
