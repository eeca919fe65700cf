import type { BlockHeader } from '@ethereumjs/block'
import type { BlockView } from '../../src/reader.js'
import { data, quantity } from './hex.js'
import { formatBlockTransaction } from './transaction.js'

type Json = Record<string, unknown>

/**
 * geth's RPCMarshalHeader (eth_getHeaderBy*): the fork-dependent fields appear only when the
 * header has them. Keys come in Go's map order (sorted), so the text matches geth's.
 */
export function formatHeader(header: BlockHeader, hash: Uint8Array): Json {
  return sortKeys(headerFields(header, hash))
}

function headerFields(header: BlockHeader, hash: Uint8Array): Json {
  const fields: Json = {
    number: quantity(header.number),
    hash: data(hash),
    parentHash: data(header.parentHash),
    nonce: data(header.nonce),
    mixHash: data(header.mixHash),
    sha3Uncles: data(header.uncleHash),
    logsBloom: data(header.logsBloom),
    stateRoot: data(header.stateRoot),
    miner: data(header.coinbase.bytes),
    difficulty: quantity(header.difficulty),
    extraData: data(header.extraData),
    gasLimit: quantity(header.gasLimit),
    gasUsed: quantity(header.gasUsed),
    timestamp: quantity(header.timestamp),
    transactionsRoot: data(header.transactionsTrie),
    receiptsRoot: data(header.receiptTrie),
  }
  if (header.baseFeePerGas !== undefined) fields.baseFeePerGas = quantity(header.baseFeePerGas)
  if (header.withdrawalsRoot !== undefined) fields.withdrawalsRoot = data(header.withdrawalsRoot)
  if (header.blobGasUsed !== undefined) fields.blobGasUsed = quantity(header.blobGasUsed)
  if (header.excessBlobGas !== undefined) fields.excessBlobGas = quantity(header.excessBlobGas)
  if (header.parentBeaconBlockRoot !== undefined) fields.parentBeaconBlockRoot = data(header.parentBeaconBlockRoot)
  if (header.requestsHash !== undefined) fields.requestsHash = data(header.requestsHash)
  return fields
}

/**
 * geth's RPCMarshalBlock: the header, `size`, the transactions (hashes, or full objects when
 * `fullTransactions`), uncle hashes, and the withdrawals list from Shanghai on.
 */
export function formatBlock(view: BlockView, fullTransactions: boolean): Json {
  const { block, header, hash } = view
  const fields = headerFields(header, hash)
  fields.size = quantity(view.size)
  fields.transactions = block.transactions.map((tx, index) => (fullTransactions ? formatBlockTransaction(view, index) : data(tx.hash())))
  fields.uncles = block.uncleHeaders.map((uncle) => data(uncle.hash()))
  if (block.withdrawals !== undefined) {
    fields.withdrawals = block.withdrawals.map((w) => ({
      index: quantity(w.index),
      validatorIndex: quantity(w.validatorIndex),
      address: data(w.address.bytes),
      amount: quantity(w.amount),
    }))
  }
  return sortKeys(fields)
}

/** Go marshals a map with its keys sorted. */
function sortKeys(fields: Json): Json {
  return Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
