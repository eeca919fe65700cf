import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CompareResultJson } from '../../src/compare/report.js'
import type { RunningNode } from '../../src/main.js'
import { type AnvilChain, serveAnvilChain, startAnvilWithChain } from '../helpers/anvil.js'
import { runCli } from '../helpers/chain.js'
import { rpcCall } from '../helpers/node.js'
import { type RpcProxy, type ResponseTransform, alterBlock, chainTransforms, startRpcProxy, withoutMethod } from '../helpers/rpc-proxy.js'

type Header = Record<string, string>

/**
 * `hindsight compare` as a user runs it: the built CLI, between a Hindsight node serving an
 * anvil chain and that anvil itself, directly and through a proxy that alters what one side says.
 */
describe('hindsight compare', () => {
  let live: AnvilChain
  let node: RunningNode
  const proxies: RpcProxy[] = []

  beforeAll(async () => {
    live = await startAnvilWithChain()
    node = await serveAnvilChain(live)
  }, 180_000)

  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
  })

  afterAll(async () => {
    await node?.close()
    await live?.stop()
  })

  const proxy = async (upstream: string, transform?: ResponseTransform) => {
    const started = await startRpcProxy({ upstream, transform })
    proxies.push(started)
    return started
  }
  const compare = (rpc: string, against: string, ...flags: string[]) => runCli(['compare', '--rpc', rpc, '--against', against, ...flags])
  const anvilHeader = (number: number) => rpcCall<Header>(live.anvil.rpcUrl, 'eth_getBlockByNumber', [`0x${number.toString(16)}`, false])

  it('finds no mismatch between Hindsight and the anvil it verified, and notes the fields only anvil returns', async () => {
    const head = live.chain.blocks
    const result = await compare(node.url, live.anvil.rpcUrl, '--batch-size', '7', '--concurrency', '3')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toBe(`comparing blocks 0..${head}`)
    expect(lines[1]).toContain(`headers by eth_getHeaderByNumber`)
    expect(lines[2]).toContain(`headers by eth_getBlockByNumber (it has no eth_getHeaderByNumber)`)
    // anvil answered whole blocks: everything beyond the header is a note on every block
    for (const field of ['size', 'totalDifficulty', 'transactions', 'uncles', 'withdrawals']) {
      expect(lines).toContain(`note: ${field} only on --against (${head + 1} blocks between 0 and ${head}): not a header field, not a mismatch`)
    }
    expect(lines.at(-1)).toBe(`${head + 1} blocks compared (0..${head}), 0 differing, 0 fields differing`)
    expect(lines.filter((line) => line.startsWith('block '))).toEqual([])
  })

  it('names the block, the field and both values when one side changes a header field', async () => {
    const original = await anvilHeader(5)
    const altered = await proxy(live.anvil.rpcUrl, alterBlock(5, (block) => ({ ...block, gasUsed: '0x1' })))
    const result = await compare(node.url, altered.url, '--from', '2', '--to', '9', '--batch-size', '3')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(1)
    const lines = result.stdout.trim().split('\n')
    expect(lines.filter((line) => line.startsWith('block '))).toEqual([`block 5 gasUsed: --rpc ${original.gasUsed} != --against 0x1`])
    expect(lines.at(-1)).toBe('8 blocks compared (2..9), 1 differing, 1 field differing')
    expect(altered.calls.filter((method) => method === 'eth_getBlockByNumber')).toHaveLength(8)
  })

  it('--json: every differing field, absent blocks and notes as one object', async () => {
    const [three, seven] = await Promise.all([anvilHeader(3), anvilHeader(7)])
    const stateRoot = `0x${'ab'.repeat(32)}`
    const altered = await proxy(
      live.anvil.rpcUrl,
      chainTransforms(
        alterBlock(3, (block) => ({ ...block, stateRoot, requestsHash: undefined })),
        (request, response) => ((request.params as unknown[])[0] === '0x7' ? { ...response, result: null } : response),
        // block 0's answer comes last, after later chunks'
        async (request, response) => {
          if ((request.params as unknown[])[0] === '0x0') await new Promise((resolve) => setTimeout(resolve, 500))
          return response
        },
      ),
    )
    // chunks of 2 blocks, 4 in flight: the report still lists blocks in order
    const result = await compare(node.url, altered.url, '--to', '8', '--json', '--batch-size', '2', '--concurrency', '4')
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as CompareResultJson
    expect(report).toMatchObject({ from: 0, to: 8, blocksCompared: 9, blocksDiffering: 2, fieldsDiffering: 2 })
    expect(report.rpc).toEqual({ url: node.url, method: 'eth_getHeaderByNumber', head: live.chain.blocks })
    expect(report.against).toEqual({ url: altered.url, method: 'eth_getBlockByNumber', head: live.chain.blocks })
    expect(report.mismatches).toEqual([
      { block: 3, field: 'stateRoot', rpc: three.stateRoot, against: stateRoot },
      { block: 3, field: 'requestsHash', rpc: three.requestsHash, against: null },
    ])
    expect(report.absentBlocks).toEqual([{ block: 7, absentOn: 'against' }])
    expect(report.notes).toContainEqual({ field: 'totalDifficulty', kind: 'only-against', blocks: 8, first: 0, last: 8 })
    expect(seven.hash).toMatch(/^0x/) // block 7 exists upstream: only the proxy hid it
  })

  it('falls back to eth_getBlockByNumber where eth_getHeaderByNumber is not found, and still finds the change', async () => {
    const original = await rpcCall<Header>(node.url, 'eth_getHeaderByNumber', ['0x4'])
    const stateRoot = `0x${'cd'.repeat(32)}`
    const noHeaders = await proxy(
      node.url,
      chainTransforms(withoutMethod('eth_getHeaderByNumber'), alterBlock(4, (block) => ({ ...block, stateRoot }))),
    )
    const result = await compare(noHeaders.url, node.url, '--to', '6')
    expect(result.code).toBe(1)
    const lines = result.stdout.trim().split('\n')
    expect(lines[1]).toBe(`--rpc     ${noHeaders.url}  head ${live.chain.blocks}, headers by eth_getBlockByNumber (it has no eth_getHeaderByNumber)`)
    expect(lines.filter((line) => line.startsWith('block '))).toEqual([`block 4 stateRoot: --rpc ${stateRoot} != --against ${original.stateRoot}`])
    // the whole blocks the fallback fetched carry fields the header does not: notes, not mismatches
    expect(lines).toContain('note: size only on --rpc (7 blocks between 0 and 6): not a header field, not a mismatch')
    expect(noHeaders.calls.filter((method) => method === 'eth_getBlockByNumber')).toHaveLength(7)
  })

  it('asks one call at a time a server that refuses batches', async () => {
    const noBatches = await proxy(node.url)
    noBatches.refuseBatches = true
    const result = await compare(noBatches.url, live.anvil.rpcUrl, '--to', '5')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('6 blocks compared (0..5), 0 differing, 0 fields differing')
    // the refused probe batch and its retry alone; after that, blocks one call at a time
    expect(noBatches.calls.filter((method) => method === 'eth_getHeaderByNumber')).toHaveLength(2 + 6)
  })

  it('exits 2 when a side cannot answer or the range is past a head', async () => {
    const broken = await proxy(live.anvil.rpcUrl)
    broken.fail('http-500')
    const failed = await compare(node.url, broken.url)
    expect(failed.code).toBe(2)
    expect(failed.stderr).toContain(`hindsight: error [TRANSPORT]: ${broken.url}`)
    expect(failed.stderr).toContain('HTTP 500')
    expect(failed.stdout).toBe('')

    const past = await compare(node.url, live.anvil.rpcUrl, '--to', String(live.chain.blocks + 1))
    expect(past.code).toBe(2)
    expect(past.stderr).toContain(`--to: block ${live.chain.blocks + 1} is past the head of --rpc (${node.url}), block ${live.chain.blocks}`)

    const usage = await runCli(['compare', '--rpc', node.url])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain("required option '--against <url>' not specified")
  })
})
