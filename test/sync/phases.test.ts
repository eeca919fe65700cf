import { join } from 'node:path'
import { http, createPublicClient, createWalletClient, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { DEV_PRIVATE_KEYS } from '../../fixtures/anvil/generate-chain.js'
import { ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import type { RunningNode } from '../../src/main.js'
import { type AnvilChain, startAnvilWithChain } from '../helpers/anvil.js'
import { DevSender, captureLog, startFollower, waitForHead } from '../helpers/follower.js'
import { rpcCall, tempDir } from '../helpers/node.js'

describe('catch-up from a file, then live sync, in one process', () => {
  let live: AnvilChain
  let node: RunningNode
  const log = captureLog('info')

  beforeAll(async () => {
    live = await startAnvilWithChain()
  }, 120_000)

  afterAll(async () => {
    await node?.close()
    await live?.stop()
  })

  it('imports the file, then follows the upstream without a restart', async () => {
    node = await startFollower({ datadir: join(live.dir, 'follower'), genesisPath: live.genesisPath, upstreams: [live.anvil.rpcUrl], importFiles: [live.chainPath], log })
    await node.imported
    expect(log.lines.find((line) => line.msg === 'import phase done')).toMatchObject({ head: String(live.chain.blocks), imported: live.chain.blocks })
    await new DevSender(live.anvil.rpcUrl).mineTransfers(4, 7)
    const head = await waitForHead(node.url, live.anvil.rpcUrl)
    expect(head.number).toBe(BigInt(live.chain.blocks + 4))
    const metrics = await (await fetch(`${node.url}/metrics`)).text()
    expect(metrics).toMatch(new RegExp(`^hindsight_blocks_imported_total\\{phase="import"\\} ${live.chain.blocks}$`, 'm'))
    expect(metrics).toMatch(/^hindsight_blocks_imported_total\{phase="live"\} 4$/m)
  }, 120_000)
})

/**
 * A wallet pointed only at Hindsight: nonce (`pending`) and the raw transaction go to the
 * upstream; the receipt is read back from Hindsight once the block is verified here.
 */
describe('a viem wallet client pointed only at Hindsight', () => {
  let anvil: AnvilInstance
  let node: RunningNode
  const dir = tempDir('hindsight-wallet-')

  beforeAll(async () => {
    anvil = await startAnvil({ genesisPath: ANVIL_GENESIS_PATH, blockTime: 0.5 })
    node = await startFollower({ datadir: join(dir.path, 'follower'), genesisPath: ANVIL_GENESIS_PATH, upstreams: [anvil.rpcUrl] })
    await waitForHead(node.url, anvil.rpcUrl)
  }, 60_000)

  afterAll(async () => {
    await node?.close()
    await anvil?.stop()
    dir.remove()
  })

  it('sends a transaction and reads its receipt, twice in a row', async () => {
    const account = privateKeyToAccount(DEV_PRIVATE_KEYS[3])
    const transport = http(node.url, { retryCount: 0 })
    const wallet = createWalletClient({ account, chain: foundry, transport })
    const client = createPublicClient({ chain: foundry, transport, pollingInterval: 100 })
    const to = '0x00000000000000000000000000000000000c0ffe'
    for (const value of [parseEther('1'), parseEther('2')]) {
      const hash = await wallet.sendTransaction({ to, value })
      const receipt = await client.waitForTransactionReceipt({ hash, timeout: 30_000 })
      expect(receipt.status).toBe('success')
      expect(await rpcCall(anvil.rpcUrl, 'eth_getTransactionReceipt', [hash])).toMatchObject({ blockHash: receipt.blockHash })
    }
    expect(await client.getBalance({ address: to })).toBe(parseEther('3'))
  }, 60_000)

  it('passes on the upstream error for a transaction it refuses', async () => {
    const account = privateKeyToAccount(DEV_PRIVATE_KEYS[4])
    const raw = await account.signTransaction({ chainId: 31337, type: 'eip1559', nonce: 0, to: account.address, gas: 21_000n, maxFeePerGas: 10n ** 9n * 5n, maxPriorityFeePerGas: 1n, value: 0n })
    const send = async (url: string) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [raw] }) })
      return (await response.json()) as { result?: string; error?: { code: number; message: string } }
    }
    // once through us (anvil takes it), then the same transaction again through each: refused
    expect((await send(node.url)).result).toMatch(/^0x/)
    const ours = await send(node.url)
    const theirs = await send(anvil.rpcUrl)
    expect(theirs.error).toBeDefined()
    expect(ours.error).toEqual(theirs.error)
  }, 30_000)
})
