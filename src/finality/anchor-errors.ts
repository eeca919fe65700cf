import { NodeError } from '../errors.js'

export type AnchorErrorType =
  /** The L1 endpoint never answered while we were starting. */
  | { code: 'L1_UNREACHABLE'; url: string; reason: string }
  /** Nothing is deployed at the anchor address on this L1. */
  | { code: 'NO_CONTRACT'; anchor: string; url: string }
  /** The anchor contract accepts anchors from another address than our key's. */
  | { code: 'NOT_PROPOSER'; anchor: string; proposer: string; account: string }
  /** Deploying the anchor contract failed (transaction refused, reverted or lost). */
  | { code: 'DEPLOY_FAILED'; reason: string }
  /** An anchor transaction was mined but reverted. */
  | { code: 'ANCHOR_REVERTED'; l2Block: bigint; tx: string; l1Block: bigint }

/** Deploying or posting to the L1 anchor contract (contracts/Anchor.sol) cannot go on. */
export class AnchorError extends NodeError<AnchorErrorType> {
  constructor(type: AnchorErrorType) {
    super(type, renderAnchorError(type))
  }
}

function renderAnchorError(type: AnchorErrorType): string {
  switch (type.code) {
    case 'L1_UNREACHABLE':
      return `no answer from L1 ${type.url}: ${type.reason}`
    case 'NO_CONTRACT':
      return `no contract at ${type.anchor} on L1 ${type.url}: deploy one with \`hindsight anchor deploy\``
    case 'NOT_PROPOSER':
      return `the anchor at ${type.anchor} accepts anchors only from ${type.proposer}, but the key is ${type.account}'s`
    case 'DEPLOY_FAILED':
      return `deploying the anchor contract failed: ${type.reason}`
    case 'ANCHOR_REVERTED':
      return `the anchor of L2 block ${type.l2Block} (transaction ${type.tx}) reverted in L1 block ${type.l1Block}`
  }
}
