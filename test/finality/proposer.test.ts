import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Address, BaseError, ContractFunctionRevertedError, type PublicClient, createPublicClient, createWalletClient, http, zeroHash } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { DEV_PRIVATE_KEYS } from '../../fixtures/anvil/generate-chain.js'
import { ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import { ANCHOR_ABI } from '../../src/finality/anchor-artifact.js'
import { runCli, spawnCli } from '../helpers/chain.js'
import { tempDir } from '../helpers/node.js'
import { type RpcProxy, startRpcProxy } from '../helpers/rpc-proxy.js'

const PROPOSER = privateKeyToAccount(DEV_PRIVATE_KEYS[0])
const OTHER = privateKeyToAccount(DEV_PRIVATE_KEYS[1])

/** Polls until `check` returns a value other than undefined; the timeout is a safety net only. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The built CLI running `hindsight propose`, with its log lines parsed as they come. */
function startProposerCli(args: string[]) {
  const { child, done } = spawnCli(['propose', ...args])
  const lines: Record<string, unknown>[] = []
  let partial = ''
  child.stderr.on('data', (chunk: string) => {
    const text = partial + chunk
    const complete = text.split('\n')
    partial = complete.pop()!
    for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line))
  })
  const logged = (msg: string) => lines.filter((line) => line.msg === msg)
  return {
    child,
    done,
    lines,
    logged,
    /** Waits for the `count`-th line with this message. */
    waitForLog: (msg: string, count = 1) => waitFor(`"${msg}" logged ${count} time(s)`, async () => (logged(msg).length >= count ? logged(msg)[count - 1] : undefined)),
    /** SIGTERM, then the exit. */
    async stop() {
      child.kill('SIGTERM')
      return done
    },
  }
}

/**
 * Two real anvils: L1 mining a block every 200 ms, L2 mining only when the test says so (each
 * block with a transfer, so every block has its own state root). The CLI deploys the anchor and
 * runs the proposer against them, directly or through proxies that fail on purpose.
 */
describe('hindsight anchor deploy and hindsight propose', () => {
  let l1: AnvilInstance
  let l2: AnvilInstance
  let l1Client: PublicClient
  let l2Client: PublicClient
  let anchor: Address
  /** Transactions the proposer's key has sent on L1 (its nonce): each deployment and each anchor. */
  let proposerTxs = 0
  const dir = tempDir('hindsight-proposer-')
  const keyFile = join(dir.path, 'proposer.key')
  const otherKeyFile = join(dir.path, 'other.key')
  const proxies: RpcProxy[] = []
  const running: ReturnType<typeof startProposerCli>[] = []

  const l2Wallet = () => createWalletClient({ account: OTHER, transport: http(l2.rpcUrl) })
  /** Mines L2 blocks, one transfer each, until the L2 head is `head`. */
  const mineL2To = async (head: number) => {
    for (let n = Number(await l2Client.getBlockNumber({ cacheTime: 0 })); n < head; n++) {
      await l2Wallet().sendTransaction({ to: `0x${(n + 1).toString(16).padStart(40, '0')}`, value: BigInt(n + 1), chain: null })
      await l2Client.request({ method: 'evm_mine' as never, params: [] as never })
    }
  }
  const latestBlock = () => l1Client.readContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'latestBlock', blockTag: 'latest' })
  const waitForLatest = (n: bigint) => waitFor(`latestBlock() = ${n}`, async () => ((await latestBlock()) === n ? n : undefined))
  const anchoredEvents = async () => l1Client.getContractEvents({ address: anchor, abi: ANCHOR_ABI, eventName: 'Anchored', fromBlock: 0n })
  const proposerNonce = () => l1Client.getTransactionCount({ address: PROPOSER.address, blockTag: 'latest' })
  const proposeArgs = (l1Url: string, l2Url: string) => ['--l1', l1Url, '--l2', l2Url, '--anchor', anchor, '--every', '2', '--key-file', keyFile, '--poll-interval', '100']
  const propose = (l1Url = l1.rpcUrl, l2Url = l2.rpcUrl) => {
    const proposer = startProposerCli(proposeArgs(l1Url, l2Url))
    running.push(proposer)
    return proposer
  }

  /** Every Anchored event so far is for blocks 2, 4, ..., `last`, once each, in order, with the L2 header's hash and state root. */
  const expectAnchoredUpTo = async (last: number) => {
    const events = await anchoredEvents()
    expect(events.map((event) => Number(event.args.l2Block))).toEqual(Array.from({ length: last / 2 }, (_, i) => 2 * (i + 1)))
    for (const event of events) {
      const block = await l2Client.getBlock({ blockNumber: event.args.l2Block! })
      expect({ l2Block: event.args.l2Block, blockHash: event.args.blockHash, stateRoot: event.args.stateRoot }).toEqual({
        l2Block: block.number,
        blockHash: block.hash,
        stateRoot: block.stateRoot,
      })
      const stored = await l1Client.readContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'anchors', args: [block.number] })
      expect(stored).toEqual([block.hash, block.stateRoot])
    }
    return events
  }

  beforeAll(async () => {
    ;[l1, l2] = await Promise.all([startAnvil({ genesisPath: ANVIL_GENESIS_PATH, blockTime: 0.2 }), startAnvil({ genesisPath: ANVIL_GENESIS_PATH })])
    l1Client = createPublicClient({ transport: http(l1.rpcUrl), pollingInterval: 100 })
    l2Client = createPublicClient({ transport: http(l2.rpcUrl), pollingInterval: 100 })
    writeFileSync(keyFile, `${DEV_PRIVATE_KEYS[0]}\n`, { mode: 0o600 })
    writeFileSync(otherKeyFile, `  ${DEV_PRIVATE_KEYS[1]}  \n`, { mode: 0o600 })
  })

  afterAll(async () => {
    for (const proposer of running) if (proposer.child.exitCode === null && proposer.child.signalCode === null) await proposer.stop()
    await Promise.all(proxies.map((proxy) => proxy.close()))
    await Promise.all([l1?.stop(), l2?.stop()])
    dir.remove()
  })

  it('deploys the anchor and prints its address alone on stdout; the key is the proposer by default', async () => {
    const result = await runCli(['anchor', 'deploy', '--l1', l1.rpcUrl, '--key-file', keyFile])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^0x[0-9a-fA-F]{40}\n$/)
    anchor = result.stdout.trim() as Address
    proposerTxs++
    expect((await l1Client.getCode({ address: anchor }))?.length).toBeGreaterThan(2)
    expect(await l1Client.readContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'proposer' })).toBe(PROPOSER.address)
    expect(await latestBlock()).toBe(0n)
    const deployed = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((line) => line.msg === 'anchor deployed')
    expect(deployed).toMatchObject({ address: anchor, proposer: PROPOSER.address, deployer: PROPOSER.address })
    const receipt = await l1Client.getTransactionReceipt({ hash: deployed.tx })
    expect(receipt.contractAddress?.toLowerCase()).toBe(anchor.toLowerCase())
    expect(Number(receipt.blockNumber)).toBe(deployed.l1Block)
  })

  it('deploys with another --proposer', async () => {
    const result = await runCli(['anchor', 'deploy', '--l1', l1.rpcUrl, '--key-file', keyFile, '--proposer', OTHER.address.toLowerCase()])
    expect(result.code, result.stderr).toBe(0)
    proposerTxs++
    const other = result.stdout.trim() as Address
    expect(await l1Client.readContract({ address: other, abi: ANCHOR_ABI, functionName: 'proposer' })).toBe(OTHER.address)
  })

  it('anchors L2 blocks 2, 4, 6 with their headers, then follows the L2 head, and stops cleanly on SIGTERM', async () => {
    await mineL2To(7)
    const proposer = propose()
    expect(await proposer.waitForLog('proposer started')).toMatchObject({ anchor, proposer: PROPOSER.address, every: 2, latestBlock: 0, next: 2 })
    await waitForLatest(6n)
    const events = await expectAnchoredUpTo(6)
    // one log line per anchor, naming the L1 block and transaction of its event
    await proposer.waitForLog('anchored', 3)
    expect(proposer.logged('anchored').map((line) => [line.l2Block, line.l1Block, line.tx])).toEqual(
      events.map((event) => [Number(event.args.l2Block), Number(event.blockNumber), event.transactionHash]),
    )

    // block 8 is not there yet; once it is, it gets anchored by the running proposer
    await mineL2To(9)
    await waitForLatest(8n)
    await expectAnchoredUpTo(8)
    proposerTxs += 4
    expect(await proposerNonce()).toBe(proposerTxs)

    const exit = await proposer.stop()
    expect(exit.code, exit.stderr).toBe(0)
    expect(proposer.logged('proposer stopped')).toHaveLength(1)
    expect(proposer.lines.filter((line) => (line.level as number) >= 40)).toEqual([])
  })

  it('resumes after the contract\'s latestBlock when restarted: no duplicate or out-of-order anchor', async () => {
    await mineL2To(13)
    const proposer = propose()
    expect(await proposer.waitForLog('proposer started')).toMatchObject({ latestBlock: 8, next: 10 })
    await waitForLatest(12n)
    await expectAnchoredUpTo(12)
    // exactly one transaction per new anchor: nothing was sent for blocks already anchored
    proposerTxs += 2
    expect(await proposerNonce()).toBe(proposerTxs)
    expect((await proposer.stop()).code).toBe(0)
  })

  it('survives L2 and L1 outages, including a lost answer to its transaction, without anchoring a block twice', async () => {
    const l1Proxy = await startRpcProxy({ upstream: l1.rpcUrl })
    const l2Proxy = await startRpcProxy({ upstream: l2.rpcUrl })
    proxies.push(l1Proxy, l2Proxy)
    const proposer = propose(l1Proxy.url, l2Proxy.url)
    await proposer.waitForLog('proposer started')
    const retries = () => proposer.logged('proposer: request failed, retrying').length

    // L2 down: block 14 cannot be read until it is back
    l2Proxy.fail('http-500')
    await mineL2To(15)
    await proposer.waitForLog('proposer: request failed, retrying')
    expect(await latestBlock()).toBe(12n)
    l2Proxy.heal()
    await waitForLatest(14n)

    // L1 takes the anchor of block 16 but its answer is lost: the transaction is mined while the
    // proposer saw its send fail, and it must not send another one for block 16
    const retriesBefore = retries()
    let lost = false
    l1Proxy.transform = (request, response) => {
      if (request.method !== 'eth_sendRawTransaction' || lost) return response
      lost = true
      throw new Error('the answer to eth_sendRawTransaction is lost')
    }
    await mineL2To(17)
    await waitForLatest(16n)
    await waitFor('the failed send to be logged', async () => (retries() > retriesBefore ? true : undefined))
    l1Proxy.transform = null
    await mineL2To(19)
    await waitForLatest(18n)

    // L1 goes down right after accepting the anchor of block 20: the proposer keeps waiting for
    // the receipt through the outage and sees it once L1 is back
    l1Proxy.transform = (request, response) => {
      if (request.method === 'eth_sendRawTransaction') l1Proxy.fail('http-500')
      return response
    }
    await mineL2To(21)
    await waitForLatest(20n)
    const callsDuringOutage = l1Proxy.calls.length
    await waitFor('the proposer to poll L1 during the outage', async () => (l1Proxy.calls.length >= callsDuringOutage + 3 ? true : undefined))
    l1Proxy.transform = null
    l1Proxy.heal()
    await waitFor('block 20 to be logged as anchored', async () => (proposer.logged('anchored').some((line) => line.l2Block === 20) ? true : undefined))

    await expectAnchoredUpTo(20)
    proposerTxs += 4
    expect(await proposerNonce()).toBe(proposerTxs)
    // block 16's receipt was never looked for: the proposer found it anchored on L1
    expect(proposer.logged('anchored').map((line) => line.l2Block)).toEqual([14, 18, 20])
    expect((await proposer.stop()).code).toBe(0)
  })

  it('refuses anchors from anyone but the proposer, and anchors that do not move forward', async () => {
    const latest = await latestBlock()
    const events = (await anchoredEvents()).length
    // a mined transaction from another key reverts and leaves no trace
    const other = createWalletClient({ account: OTHER, transport: http(l1.rpcUrl) })
    const tx = await other.writeContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'anchor', args: [latest + 2n, zeroHash, zeroHash], gas: 100_000n, chain: null })
    const receipt = await l1Client.waitForTransactionReceipt({ hash: tx })
    expect(receipt.status).toBe('reverted')
    expect(receipt.logs).toEqual([])
    expect(await latestBlock()).toBe(latest)
    expect(await anchoredEvents()).toHaveLength(events)
    expect(await revertOf(l1Client, anchor, OTHER.address, latest + 2n)).toEqual({ name: 'NotProposer', args: [OTHER.address] })
    // the proposer itself cannot go back, nor repeat the latest block
    expect(await revertOf(l1Client, anchor, PROPOSER.address, latest)).toEqual({ name: 'NotAfterLatest', args: [latest, latest] })
    expect(await revertOf(l1Client, anchor, PROPOSER.address, 2n)).toEqual({ name: 'NotAfterLatest', args: [2n, latest] })
    expect(await revertOf(l1Client, anchor, PROPOSER.address, latest + 1n)).toBeNull()
  })

  it('refuses to start with a key that is not the proposer, no contract at --anchor, or a malformed key file', async () => {
    const args = proposeArgs(l1.rpcUrl, l2.rpcUrl)
    const secret = DEV_PRIVATE_KEYS[2].slice(2)
    const malformed: [string, string][] = [
      [secret, '64 hex digits without the 0x prefix'],
      [`0x${secret.slice(1)}`, '65 characters'],
      ['', 'nothing'],
    ]
    const badFiles = malformed.map(([content], i) => {
      const file = join(dir.path, `bad-${i}.key`)
      writeFileSync(file, content)
      return file
    })
    // independent runs of the CLI, so at once
    const [notProposer, noContract, missing, ...badKeys] = await Promise.all([
      runCli(['propose', ...args.map((arg) => (arg === keyFile ? otherKeyFile : arg))]),
      runCli(['propose', ...args.map((arg) => (arg === anchor ? OTHER.address : arg))]),
      runCli(['anchor', 'deploy', '--l1', l1.rpcUrl, '--key-file', join(dir.path, 'absent.key')]),
      ...badFiles.map((file) => runCli(['propose', ...args.map((arg) => (arg === keyFile ? file : arg))])),
    ])
    expect(notProposer.code).toBe(1)
    expect(notProposer.stderr).toContain(`error [NOT_PROPOSER]: the anchor at ${anchor} accepts anchors only from ${PROPOSER.address}, but the key is ${OTHER.address}'s`)
    expect(noContract.code).toBe(1)
    expect(noContract.stderr).toContain(`error [NO_CONTRACT]: no contract at ${OTHER.address}`)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(`error [INVALID_ARGUMENT]: --key-file: cannot read ${join(dir.path, 'absent.key')}: ENOENT`)
    for (const [i, result] of badKeys.entries()) {
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`error [INVALID_ARGUMENT]: --key-file: ${badFiles[i]} must hold one private key: 0x followed by 64 hex digits (it holds ${malformed[i][1]})`)
      expect(result.stderr).not.toContain(secret.slice(4, 40))
    }
  })
})

/** The custom error `anchor(l2Block, ...)` reverts with when called from `from`, or null if it would succeed. */
async function revertOf(client: PublicClient, anchor: Address, from: Address, l2Block: bigint): Promise<{ name: string; args: readonly unknown[] } | null> {
  try {
    await client.simulateContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'anchor', args: [l2Block, zeroHash, zeroHash], account: from })
    return null
  } catch (err) {
    const reverted = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null
    if (!(reverted instanceof ContractFunctionRevertedError) || reverted.data === undefined) throw err
    return { name: reverted.data.errorName, args: reverted.data.args ?? [] }
  }
}
