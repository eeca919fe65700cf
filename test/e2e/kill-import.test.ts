import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatadir } from '../../src/datadir.js'
import { DatadirError } from '../../src/errors.js'
import { type ChainFiles, expectStoredChain, generateChainFiles, importArgs, runCli, spawnCli } from '../helpers/chain.js'
import { silentLog, tempDir } from '../helpers/node.js'

/**
 * kill -9 during `hindsight import`, several times at random moments, then a run to completion:
 * every block is written in one batch with the head pointer (and, every few blocks, a persisted
 * checkpoint with its state's trie nodes), so after each kill the datadir must hold exactly
 * blocks 0..head, each complete, with every checkpoint's state on disk; each re-run re-executes
 * from the last checkpoint and goes on; the final datadir holds the whole chain.
 */
describe('hindsight import killed with SIGKILL', () => {
  const BLOCKS = 240
  const KILLS = 5
  /** Checkpoints every 16 blocks: kills land in checkpoint batches too, and re-runs re-execute little. */
  const FLAGS = ['--checkpoint-interval', '16']
  let files: ChainFiles
  const dir = tempDir()

  beforeAll(async () => {
    files = await generateChainFiles({ blocks: BLOCKS, txsPerBlock: 3, seed: 'kill-import' })
  })

  afterAll(() => {
    files?.remove()
    dir.remove()
  })

  /** The stored head after a kill, checked block by block; null if the kill came before genesis was written. */
  async function checkDatadir(path: string): Promise<number | null> {
    let datadir
    try {
      datadir = await openDatadir({ path }, { log: silentLog })
    } catch (err) {
      if (err instanceof DatadirError && err.code === 'NOT_INITIALIZED') return null
      throw err
    }
    try {
      const head = Number((await datadir.head()).number)
      await expectStoredChain(datadir, files.chain, head)
      return head
    } finally {
      await datadir.close()
    }
  }

  it('loses no block and half-writes none; a re-run completes the chain', async () => {
    const datadir = join(dir.path, 'data')
    const rounds: { delayMs: number; head: number | null; advanced: boolean; finished: boolean }[] = []
    let head = 0
    for (let round = 0; round < KILLS; round++) {
      const run = spawnCli(importArgs(files, datadir, [files.chainPath], FLAGS))
      // The first round may die anywhere from startup on (even before the genesis batch); later
      // ones die a random moment after the import got past the blocks it had (a slow machine
      // may take longer than the delay just to skip those).
      if (round > 0) await importing(run.child.stderr!)
      const delayMs = round === 0 ? 300 + Math.floor(Math.random() * 2500) : Math.floor(Math.random() * 1200)
      await sleep(delayMs)
      run.child.kill('SIGKILL')
      const result = await run.done
      const finished = result.code === 0
      if (!finished) expect(result.signal, result.stderr).toBe('SIGKILL')
      const stored = await checkDatadir(datadir)
      rounds.push({ delayMs, head: stored, advanced: (stored ?? 0) > head, finished })
      expect(stored ?? 0, JSON.stringify(rounds)).toBeGreaterThanOrEqual(head)
      head = stored ?? 0
      if (finished) break
    }
    // At least two kills must have cut an import that was making progress.
    const midImport = rounds.filter((r) => !r.finished && r.advanced)
    expect(midImport.length, `kills that landed mid-import: ${JSON.stringify(rounds)}`).toBeGreaterThanOrEqual(2)

    const last = files.chain.blocks[BLOCKS - 1]
    const final = await runCli(importArgs(files, datadir, [files.chainPath], FLAGS))
    expect(final.code, final.stderr).toBe(0)
    expect(final.stdout).toBe(`head ${BLOCKS} ${last.hash}\n`)
    expect(await checkDatadir(datadir)).toBe(BLOCKS)
  })
})

/** Resolves once the CLI reports its first imported (not skipped) block (or its stderr ends). */
function importing(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    let seen = ''
    const onData = (chunk: string | Buffer) => {
      seen += chunk.toString()
      if (/"blocks":[1-9][0-9]*,[^\n]*"msg":"importing"/.test(seen)) {
        stream.off('data', onData)
        resolve()
      }
    }
    stream.on('data', onData)
    stream.once('end', () => resolve())
  })
}
