import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { type Hex, createPublicClient, createWalletClient, defineChain, getContractAddress, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { findFreePort } from '../../fixtures/anvil/anvil.js'
import { DEV_PRIVATE_KEYS } from '../../fixtures/anvil/generate-chain.js'
import { REPO_ROOT } from '../../fixtures/anvil/paths.js'
import { ANCHOR_ABI } from '../../src/finality/anchor-artifact.js'
import { DEVNET_L1_KEY_PATH } from '../../src/devnet/paths.js'
import { runCli, spawnCli } from '../helpers/chain.js'
import { rpcCall, tempDir } from '../helpers/node.js'

/** Polls `check` until it returns a value other than null; fails after `timeoutMs` (a safety net only). */
async function waitFor<T>(what: string, check: () => Promise<T | null>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => null)
    if (value !== null) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

interface Block {
  number: string
  hash: string
  transactions: string[]
}

interface Heads {
  soft: number
  safe: number | null
  finalized: number | null
}

/** The follower's three heads, each read with eth_getBlockByNumber (null: nothing safe or final yet). */
async function heads(url: string): Promise<Heads> {
  const [soft, safe, finalized] = await Promise.all(
    ['latest', 'safe', 'finalized'].map((tag) => rpcCall<Block | null>(url, 'eth_getBlockByNumber', [tag, false]).then((block) => (block === null ? null : Number(block.number)))),
  )
  return { soft: soft!, safe, finalized }
}

/**
 * The anchor's address everywhere (banner, compose.yaml): the first contract the devnet's L1 key
 * creates on a fresh L1.
 */
function expectedAnchorAddress(): Hex {
  const key = readFileSync(DEVNET_L1_KEY_PATH, 'utf8').trim() as Hex
  return getContractAddress({ from: privateKeyToAccount(key).address, nonce: 0n })
}

/**
 * `hindsight devnet` as a user runs it (the built CLI, as `npm run devnet` does): anvil, the
 * traffic, an L1 anvil with the anchor and the proposer, and a follower that verifies anvil's
 * blocks as they come and reads their finality from the anchor; then Ctrl-C stops all of it.
 */
describe('hindsight devnet', () => {
  const dir = tempDir('hindsight-devnet-')

  afterAll(() => dir.remove())

  it('follows anvil with traffic, serves its blocks, finalizes them from the L1 anchor, and stops everything on SIGINT', async () => {
    const [followerPort, anvilPort, l1Port] = [await findFreePort(), await findFreePort(), await findFreePort()]
    // a datadir left by an earlier run: the devnet must start from scratch
    const datadir = join(dir.path, 'devnet')
    mkdirSync(datadir)
    writeFileSync(join(datadir, '.hindsight-devnet'), '')
    writeFileSync(join(datadir, 'stale'), '')

    // anchors of every other block on an L1 mining twice a second: finality moves within seconds
    const { child, done } = spawnCli([
      'devnet', '--http.port', String(followerPort), '--anvil.port', String(anvilPort), '--l1.port', String(l1Port), '--datadir', datadir,
      '--tps', '10', '--every', '2', '--l1.block-time', '0.5', '--status-interval', '1',
    ])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: string) => (stdout += chunk))
    child.stderr.on('data', (chunk: string) => (stderr += chunk))
    const exited = done.then((result) => ({ ...result, stdout }))
    try {
      await waitFor('the banner', async () => (stdout.includes('Ctrl-C stops everything') ? true : null))
      const follower = `http://127.0.0.1:${followerPort}`
      const anvil = `http://127.0.0.1:${anvilPort}`
      const l1 = `http://127.0.0.1:${l1Port}`
      expect(stdout).toContain(`anvil       ${anvil}`)
      expect(stdout).toContain(`Hindsight   ${follower}`)
      expect(stdout).toContain(`L1         anvil       ${l1}`)
      const anchor = expectedAnchorAddress()
      expect(stdout).toContain(`anchor     ${anchor}`)
      expect(stdout).toContain(`cast block finalized --rpc-url ${follower}`)
      const anvilPid = Number(/sequencer +anvil .*\(pid (\d+)\)/.exec(stdout)?.[1])
      const l1Pid = Number(/L1 +anvil .*\(pid (\d+)\)/.exec(stdout)?.[1])
      const followerPid = Number(/Hindsight .*\(pid (\d+)\)/.exec(stdout)?.[1])
      expect(isAlive(anvilPid) && isAlive(l1Pid) && isAlive(followerPid)).toBe(true)
      expect(existsSync(join(datadir, 'stale'))).toBe(false)

      // traffic reaches the follower: a verified block with transactions, including a reverted one
      const withReverts = await waitFor('a block on the follower with a reverted transaction', async () => {
        const head = Number(await rpcCall<string>(follower, 'eth_blockNumber'))
        for (let n = head; n >= 1; n--) {
          const block = await rpcCall<Block>(follower, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false])
          const receipts = await Promise.all(block.transactions.map((hash) => rpcCall<{ status: string }>(follower, 'eth_getTransactionReceipt', [hash])))
          if (receipts.some((r) => r.status === '0x0') && receipts.some((r) => r.status === '0x1')) return block
        }
        return null
      })
      expect(withReverts.transactions.length).toBeGreaterThan(1)

      // the follower's head keeps up with anvil's and is the same block
      const synced = await waitFor('the follower at anvil head', async () => {
        const ours = await rpcCall<Block>(follower, 'eth_getBlockByNumber', ['latest', false])
        const theirs = await rpcCall<Block>(anvil, 'eth_getBlockByNumber', [ours.number, false])
        const anvilHead = Number(await rpcCall<string>(anvil, 'eth_blockNumber'))
        return Number(ours.number) >= Number(withReverts.number) + 2 && anvilHead - Number(ours.number) <= 2 ? { ours, theirs } : null
      })
      expect(synced.ours.hash).toBe(synced.theirs.hash)

      // safe and finalized become non-null and advance, always finalized <= safe <= soft
      const seen: Heads[] = []
      const firstFinal = await waitFor('a finalized block on the follower', async () => {
        const h = await heads(follower)
        seen.push(h)
        return h.finalized !== null ? h : null
      })
      const later = await waitFor('finality to advance', async () => {
        const h = await heads(follower)
        seen.push(h)
        return h.finalized! > firstFinal.finalized! && h.safe! > firstFinal.safe! ? h : null
      })
      for (const h of seen) {
        if (h.finalized !== null) expect(h.safe).not.toBeNull()
        if (h.safe !== null) expect(h.safe).toBeLessThanOrEqual(h.soft)
        if (h.finalized !== null) expect(h.finalized).toBeLessThanOrEqual(h.safe!)
      }
      // anchored blocks are every other one, and the finalized one is anvil's, as anchored on L1
      expect(later.finalized! % 2).toBe(0)
      const finalizedBlock = await rpcCall<Block & { stateRoot: Hex }>(follower, 'eth_getBlockByNumber', ['finalized', false])
      const l1Client = createPublicClient({ transport: http(l1) })
      const [anchoredHash, anchoredRoot] = await l1Client.readContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'anchors', args: [BigInt(finalizedBlock.number)] })
      expect(anchoredHash).toBe(finalizedBlock.hash)
      expect(anchoredRoot).toBe(finalizedBlock.stateRoot)
      expect((await rpcCall<Block>(anvil, 'eth_getBlockByNumber', [finalizedBlock.number, false])).hash).toBe(finalizedBlock.hash)
      // the status line shows all three heads
      await waitFor('a status line with a finalized head', async () => (/heads anvil=\d+ soft=\d+ safe=\d+ finalized=\d+ lag=\d+ l1=\d+/.test(stderr) ? true : null))

      // what the banner suggests: dev account 0 sends through the follower, which forwards it to anvil
      const chain = defineChain({ id: 31337, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [follower] } } })
      const wallet = createWalletClient({ account: privateKeyToAccount(DEV_PRIVATE_KEYS[0]), chain, transport: http() })
      const hash = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000dEaD', value: parseEther('1') })
      const receipt = await createPublicClient({ chain, transport: http() }).waitForTransactionReceipt({ hash, pollingInterval: 250 })
      expect(receipt.status).toBe('success')

      child.kill('SIGINT')
      const result = await exited
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr).toContain('wiping the devnet datadir')
      expect(result.stderr).toContain('devnet stopped')
      expect(isAlive(anvilPid)).toBe(false)
      expect(isAlive(l1Pid)).toBe(false)
      expect(isAlive(followerPid)).toBe(false)
      expect(await portIsFree(anvilPort)).toBe(true)
      expect(await portIsFree(l1Port)).toBe(true)
      expect(await portIsFree(followerPort)).toBe(true)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it("compose.yaml's fixed anchor address is the devnet L1 key's first deployment", () => {
    // compose.yaml cannot pass the address a deployment prints to other services, so it relies on
    // the deployment being the key's first transaction on a fresh L1
    const compose = readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8')
    const anchors = [...compose.matchAll(/"--anchor", "(0x[0-9a-fA-F]{40})"/g)].map((match) => match[1])
    expect(anchors).toHaveLength(2) // the proposer and the follower
    for (const address of anchors) expect(address).toBe(expectedAnchorAddress())
    expect(compose).toContain('fixtures/devnet/l1-proposer.key')
  })

  it('refuses to wipe a datadir it did not create, before starting anything', async () => {
    const [followerPort, anvilPort, l1Port] = [await findFreePort(), await findFreePort(), await findFreePort()]
    const datadir = join(dir.path, 'precious')
    mkdirSync(datadir)
    writeFileSync(join(datadir, 'notes.txt'), 'keep me')

    const result = await runCli(['devnet', '--http.port', String(followerPort), '--anvil.port', String(anvilPort), '--l1.port', String(l1Port), '--datadir', datadir])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('was not made by the devnet; refusing to wipe it')
    expect(existsSync(join(datadir, 'notes.txt'))).toBe(true)
    expect(await portIsFree(anvilPort)).toBe(true)
    expect(await portIsFree(l1Port)).toBe(true)
  })
})
