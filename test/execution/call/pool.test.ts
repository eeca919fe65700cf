import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CallError } from '../../../src/execution/call/errors.js'
import { CallPool, type JobSource, type PoolJob } from '../../../src/execution/call/pool.js'
import { CONTRACTS, type ChainFixture, bytes, hex, openConformanceChain } from '../../helpers/call-chain.js'
import { conformanceAvailable, conformanceMissingMessage } from '../../helpers/conformance.js'
import { silentLog } from '../../helpers/node.js'

/**
 * The worker pool on its own: jobs run on worker threads (tsc's output in dist/) that read the
 * state node by node from the main thread and keep what they read; a job past the timeout is
 * cut off and its worker replaced; closing the pool fails what is pending.
 */

const LOOPER = '0x00000000000000000000000000000000000100bb'

if (!conformanceAvailable()) {
  describe('call pool', () => {
    it('needs the conformance chain', () => {
      throw new Error(conformanceMissingMessage())
    })
  })
} else {
  let chain: ChainFixture
  let pool: CallPool
  let job: (input: PoolJob['input']) => Promise<{ job: PoolJob & { kind: 'call' }; source: JobSource & { reads: number } }>

  beforeAll(async () => {
    chain = await openConformanceChain()
    pool = new CallPool({ size: 1, timeoutMs: 500 }, { genesis: chain.datadir.chain.genesis, log: silentLog })
    job = async (input) => {
      const header = await chain.reader.head()
      const state = await chain.reader.stateAt(header)
      const source = {
        reads: 0,
        node(key: string) {
          source.reads++
          return state.readNode(key)
        },
        blockHash: async (number: bigint) => chain.reader.canonicalHash(number),
      }
      return { job: { kind: 'call' as const, header: header.serialize(), stateRoot: state.stateRoot, input, gasCap: 50_000_000n }, source }
    }
  })

  afterAll(async () => {
    await pool?.close()
    await chain?.close()
  })

  describe('call pool', () => {
    it('runs a job on a worker that reads the state from the main thread and keeps it', async () => {
      const first = await job({ request: { to: bytes(CONTRACTS.echo), data: bytes('0xff01') } })
      expect(hex(await pool.run(first.job, first.source))).toBe('0xffee')
      expect(first.source.reads).toBeGreaterThan(0)
      const again = await job({ request: { to: bytes(CONTRACTS.echo), data: bytes('0xff01') } })
      expect(hex(await pool.run(again.job, again.source))).toBe('0xffee')
      expect(again.source.reads).toBe(0)
    })

    it('passes CallErrors back as they were thrown', async () => {
      const { job: reverting, source } = await job({ request: { to: bytes(CONTRACTS.reverter), data: bytes('0x01') } })
      const err = await pool.run(reverting, source).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CallError)
      expect((err as CallError).message).toBe('execution reverted: user error')
    })

    it('cuts a job off after the timeout and runs the next on a fresh worker', async () => {
      const loop = await job({ request: { to: bytes(LOOPER), gas: 2_000_000_000n }, stateOverrides: [{ address: bytes(LOOPER), code: bytes('0x5b600056') }] })
      const next = await job({ request: { to: bytes(CONTRACTS.echo), data: bytes('0xff01') } })
      const started = performance.now()
      const [looped, echoed] = await Promise.allSettled([pool.run(loop.job, loop.source), pool.run(next.job, next.source)])
      expect(looped.status === 'rejected' && (looped.reason as CallError).type).toEqual({ code: 'TIMEOUT', timeout: '500ms' })
      // the single worker was busy: the echo waited for the loop's cut-off and a fresh worker
      expect(echoed.status === 'fulfilled' && hex(echoed.value)).toBe('0xffee')
      expect(performance.now() - started).toBeGreaterThanOrEqual(450)
    })

    it('fails running and waiting jobs on close', async () => {
      const closing = new CallPool({ size: 1, timeoutMs: 0 }, { genesis: chain.datadir.chain.genesis, log: silentLog })
      const loop = await job({ request: { to: bytes(LOOPER), gas: 2_000_000_000n }, stateOverrides: [{ address: bytes(LOOPER), code: bytes('0x5b600056') }] })
      const running = closing.run(loop.job, loop.source).catch((e: unknown) => (e as Error).message)
      const waiting = closing.run(loop.job, loop.source).catch((e: unknown) => (e as Error).message)
      await new Promise((resolve) => setTimeout(resolve, 200))
      await closing.close()
      expect(await running).toBe('call pool is closed')
      expect(await waiting).toBe('call pool is closed')
    })
  })
}
