import { TransactionType, type TypedTransaction } from '@ethereumjs/tx'
import { bytesToBigInt } from '@ethereumjs/util'
import { blobHashes, effectiveGasPrice } from '../../src/chain/tx-fees.js'
import type { BlockView } from '../../src/reader.js'
import { data, quantity } from './hex.js'

/** Where a mined transaction sits, and the base fee of its block. */
export interface TxPosition {
  blockHash: Uint8Array
  blockNumber: bigint
  blockTimestamp: bigint
  index: number
  /** The block's base fee; undefined before London. */
  baseFee: bigint | undefined
}

/**
 * geth's RPCTransaction for a mined transaction, field for field and in its order. Type-specific
 * fields appear only for the types that have them; `gasPrice` is the effective price paid for
 * 1559-style types.
 */
export function formatTransaction(tx: TypedTransaction, from: Uint8Array, position: TxPosition): Record<string, unknown> {
  const dynamic = 'maxFeePerGas' in tx
  const out: Record<string, unknown> = {
    blockHash: data(position.blockHash),
    blockNumber: quantity(position.blockNumber),
    blockTimestamp: quantity(position.blockTimestamp),
    from: data(from),
    gas: quantity(tx.gasLimit),
    gasPrice: quantity(dynamic ? effectiveGasPrice(tx, position.baseFee) : tx.gasPrice),
  }
  if (dynamic) {
    out.maxFeePerGas = quantity(tx.maxFeePerGas)
    out.maxPriorityFeePerGas = quantity(tx.maxPriorityFeePerGas)
  }
  if ('maxFeePerBlobGas' in tx) out.maxFeePerBlobGas = quantity(tx.maxFeePerBlobGas)
  out.hash = data(tx.hash())
  out.input = data(tx.data)
  out.nonce = quantity(tx.nonce)
  out.to = tx.to === undefined ? null : data(tx.to.bytes)
  out.transactionIndex = quantity(position.index)
  out.value = quantity(tx.value)
  out.type = quantity(tx.type)
  const v = tx.v ?? 0n
  if ('accessList' in tx) {
    out.accessList = tx.accessList.map(([address, keys]) => ({ address: data(address), storageKeys: keys.map(data) }))
    out.chainId = quantity(tx.chainId)
  } else {
    // a legacy transaction shows its chain id only when EIP-155 put one in v
    const chainId = legacyChainId(v)
    if (chainId !== null) out.chainId = quantity(chainId)
  }
  if (tx.type === TransactionType.BlobEIP4844) out.blobVersionedHashes = blobHashes(tx)
  if ('authorizationList' in tx) {
    out.authorizationList = tx.authorizationList.map(([chainId, address, nonce, yParity, r, s]) => ({
      chainId: quantity(bytesToBigInt(chainId)),
      address: data(address),
      nonce: quantity(bytesToBigInt(nonce)),
      yParity: quantity(bytesToBigInt(yParity)),
      r: quantity(bytesToBigInt(r)),
      s: quantity(bytesToBigInt(s)),
    }))
  }
  out.v = quantity(v)
  out.r = quantity(tx.r ?? 0n)
  out.s = quantity(tx.s ?? 0n)
  if (tx.type !== TransactionType.Legacy) out.yParity = quantity(v)
  return out
}

/** Transaction `index` of a stored block, with the sender recovered at import. */
export function formatBlockTransaction(view: BlockView, index: number): Record<string, unknown> {
  const { header } = view
  return formatTransaction(view.block.transactions[index], view.senders[index], {
    blockHash: view.hash,
    blockNumber: header.number,
    blockTimestamp: header.timestamp,
    index,
    baseFee: header.baseFeePerGas,
  })
}

/** The chain id an EIP-155 `v` encodes (v = 2·chainId + 35/36); null for a pre-EIP-155 27/28. */
function legacyChainId(v: bigint): bigint | null {
  if (v === 27n || v === 28n || v < 35n) return null
  return (v - 35n) / 2n
}
