import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningNode } from '../../src/main.js'
import { CONFORMANCE_DIR, conformanceAvailable, conformanceMissingMessage } from '../helpers/conformance.js'
import { startConformanceNode, type ConformanceNode } from '../helpers/conformance-node.js'
import { rpcCall, startTestNode, tempDir } from '../helpers/node.js'

const CLI = fileURLToPath(new URL('../../dist/src/cli/bin.js', import.meta.url))

/**
 * A node killed (SIGKILL) between persisted checkpoints loses the in-memory state since the last
 * one; on restart it re-executes the stored blocks after that checkpoint and answers as before.
 */
if (!conformanceAvailable()) {
  it('needs the conformance chain', () => {
    throw new Error(conformanceMissingMessage())
  })
} else {
  describe('recovery after a kill between checkpoints', () => {
    const dir = tempDir('hindsight-recovery-')
    let reference: ConformanceNode
    let node: RunningNode
    let killedAt: number

    beforeAll(async () => {
      reference = await startConformanceNode()
      const child = spawn(
        process.execPath,
        [CLI, 'import', '--genesis', join(CONFORMANCE_DIR, 'genesis.json'), '--datadir', dir.path, '--checkpoint-interval', '16', join(CONFORMANCE_DIR, 'chain.rlp')],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      )
      const exited = new Promise((resolve) => child.once('exit', resolve))
      // once blocks are being imported (the datadir exists), kill at a random moment of the run
      await new Promise<void>((resolve) => {
        let log = ''
        child.stderr.on('data', (chunk: Buffer) => {
          log += chunk.toString()
          if (log.includes('"msg":"importing"')) resolve()
        })
        void exited.then(() => resolve())
      })
      await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 2500))
      child.kill('SIGKILL')
      await exited
      node = await startTestNode(dir.path, {}, { checkpointInterval: 16 })
      killedAt = Number(await rpcCall<string>(node.url, 'eth_blockNumber'))
    }, 120_000)

    afterAll(async () => {
      await node?.close()
      await reference?.close()
      dir.remove()
    })

    it('serves the stored head with the same state as an uninterrupted import', async () => {
      expect(killedAt).toBeGreaterThan(0)
      const accounts = ['0x7dcd17433742f4c0ca53122ab541d0ba67fc27df', '0x7435ed30a8b4aeb0877cef0c6e8cffe834eb865f', '0x14e46043e63d0e3cdcf2530519f4cfaf35058cb2']
      for (const block of new Set([killedAt, Math.max(1, killedAt - 1), Math.max(1, killedAt - 9)])) {
        const tag = `0x${block.toString(16)}`
        const header = await rpcCall(node.url, 'eth_getBlockByNumber', [tag, false])
        expect(header).toEqual(await rpcCall(reference.url, 'eth_getBlockByNumber', [tag, false]))
        for (const account of accounts) {
          for (const method of ['eth_getBalance', 'eth_getTransactionCount']) {
            expect(await rpcCall(node.url, method, [account, tag]), `${method} ${account} @${block}`).toEqual(await rpcCall(reference.url, method, [account, tag]))
          }
          expect(await rpcCall(node.url, 'eth_getStorageAt', [account, '0x0', tag])).toEqual(await rpcCall(reference.url, 'eth_getStorageAt', [account, '0x0', tag]))
        }
      }
    })

    it('finishes the import after the restart', async () => {
      await node.close()
      const child = spawn(process.execPath, [CLI, 'import', '--genesis', join(CONFORMANCE_DIR, 'genesis.json'), '--datadir', dir.path, '--log-level', 'warn', join(CONFORMANCE_DIR, 'chain.rlp')], { stdio: 'ignore' })
      const code = await new Promise((resolve) => child.once('exit', resolve))
      expect(code).toBe(0)
      node = await startTestNode(dir.path)
      const head = await rpcCall<{ hash: string }>(node.url, 'eth_getBlockByNumber', ['latest', false])
      expect(head.hash).toBe('0xd226371d0b1551adb03fb52b71f08e3e11247fe9b1af994768af8cdaa8e7dcd7')
    })
  })
}
