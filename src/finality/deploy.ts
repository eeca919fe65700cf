import { type Address, BaseError, type Hex, createPublicClient, createWalletClient, getAddress, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Logger } from '../log.js'
import { ANCHOR_ABI, ANCHOR_BYTECODE } from './anchor-artifact.js'
import { AnchorError } from './anchor-errors.js'

export interface DeployAnchorOptions {
  /** JSON-RPC URL of the L1 to deploy on. */
  l1Url: string
  /** The deployer's key (0x-prefixed hex); it pays for the deployment. */
  privateKey: Hex
  /** The one address the contract will accept anchors from; default: the deployer's. */
  proposer?: Address
  /** How long to wait for the deployment to be mined. */
  receiptTimeoutMs?: number
  /** Per JSON-RPC request. */
  timeoutMs?: number
}

export const defaultDeployAnchorOptions = {
  receiptTimeoutMs: 180_000,
  timeoutMs: 10_000,
}

export interface DeployedAnchor {
  /** The contract's address. */
  address: Address
  proposer: Address
  deployer: Address
  /** The deployment transaction. */
  tx: Hex
  /**
   * The L1 block the contract was created in: no `Anchored` event is older, so a reader of the
   * events can start there.
   */
  l1Block: bigint
}

/**
 * Deploys contracts/Anchor.sol (the committed artifact, src/finality/anchor-artifact.ts) and
 * resolves once the deployment is mined. Throws AnchorError DEPLOY_FAILED if the L1 refuses the
 * transaction, it reverts, or no receipt comes within `receiptTimeoutMs`.
 */
export async function deployAnchor(options: DeployAnchorOptions, deps: { log: Logger }): Promise<DeployedAnchor> {
  const opts = { ...defaultDeployAnchorOptions, ...options }
  const account = privateKeyToAccount(opts.privateKey)
  const proposer = getAddress(opts.proposer ?? account.address)
  const transport = http(opts.l1Url, { retryCount: 0, timeout: opts.timeoutMs })
  const l1 = createPublicClient({ transport, pollingInterval: 500 })
  const wallet = createWalletClient({ account, transport })

  let tx: Hex
  try {
    tx = await wallet.deployContract({ abi: ANCHOR_ABI, bytecode: ANCHOR_BYTECODE, args: [proposer], chain: null })
  } catch (err) {
    throw new AnchorError({ code: 'DEPLOY_FAILED', reason: `${opts.l1Url} refused the deployment: ${shortMessage(err)}` })
  }
  deps.log.info({ tx, deployer: account.address, proposer }, 'anchor: deployment sent')

  let receipt
  try {
    receipt = await l1.waitForTransactionReceipt({ hash: tx, timeout: opts.receiptTimeoutMs })
  } catch (err) {
    throw new AnchorError({ code: 'DEPLOY_FAILED', reason: `no receipt for ${tx}: ${shortMessage(err)}` })
  }
  if (receipt.status !== 'success' || receipt.contractAddress == null) {
    throw new AnchorError({ code: 'DEPLOY_FAILED', reason: `transaction ${tx} reverted in L1 block ${receipt.blockNumber}` })
  }
  const deployed = { address: getAddress(receipt.contractAddress), proposer, deployer: account.address, tx, l1Block: receipt.blockNumber }
  deps.log.info({ ...deployed, l1Block: Number(deployed.l1Block), gasUsed: Number(receipt.gasUsed) }, 'anchor deployed')
  return deployed
}

/** viem's one-line summary of an error, without its multi-line details and docs links. */
export function shortMessage(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage
  return err instanceof Error ? err.message : String(err)
}
