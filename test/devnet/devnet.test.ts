import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, defineChain, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { findFreePort } from '../../fixtures/anvil/anvil.js'
import { DEV_PRIVATE_KEYS } from '../../fixtures/anvil/generate-chain.js'
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

/**
 * `hindsight devnet` as a user runs it (the built CLI, as `npm run devnet` does): anvil, the
 * traffic and a follower that verifies anvil's blocks as they come; then Ctrl-C stops all of it.
 */
describe('hindsight devnet', () => {
  const dir = tempDir('hindsight-devnet-')

  afterAll(() => dir.remove())

  it('follows anvil with traffic, serves its blocks, and stops everything on SIGINT', async () => {
    const [followerPort, anvilPort] = [await findFreePort(), await findFreePort()]
    // a datadir left by an earlier run: the devnet must start from scratch
    const datadir = join(dir.path, 'devnet')
    mkdirSync(datadir)
    writeFileSync(join(datadir, '.hindsight-devnet'), '')
    writeFileSync(join(datadir, 'stale'), '')

    const { child, done } = spawnCli(['devnet', '--http.port', String(followerPort), '--anvil.port', String(anvilPort), '--datadir', datadir, '--tps', '10'])
    let stdout = ''
    child.stdout.on('data', (chunk: string) => (stdout += chunk))
    const exited = done.then((result) => ({ ...result, stdout }))
    try {
      await waitFor('the banner', async () => (stdout.includes('Ctrl-C stops everything') ? true : null))
      const follower = `http://127.0.0.1:${followerPort}`
      const anvil = `http://127.0.0.1:${anvilPort}`
      expect(stdout).toContain(`anvil       ${anvil}`)
      expect(stdout).toContain(`Hindsight   ${follower}`)
      const anvilPid = Number(/anvil .*\(pid (\d+)\)/.exec(stdout)?.[1])
      const followerPid = Number(/Hindsight .*\(pid (\d+)\)/.exec(stdout)?.[1])
      expect(isAlive(anvilPid) && isAlive(followerPid)).toBe(true)
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
      expect(isAlive(followerPid)).toBe(false)
      expect(await portIsFree(anvilPort)).toBe(true)
      expect(await portIsFree(followerPort)).toBe(true)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('refuses to wipe a datadir it did not create, before starting anything', async () => {
    const [followerPort, anvilPort] = [await findFreePort(), await findFreePort()]
    const datadir = join(dir.path, 'precious')
    mkdirSync(datadir)
    writeFileSync(join(datadir, 'notes.txt'), 'keep me')

    const result = await runCli(['devnet', '--http.port', String(followerPort), '--anvil.port', String(anvilPort), '--datadir', datadir])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('was not made by the devnet; refusing to wipe it')
    expect(existsSync(join(datadir, 'notes.txt'))).toBe(true)
    expect(await portIsFree(anvilPort)).toBe(true)
  })
})
