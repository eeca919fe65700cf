import type { LogRecord } from '../../src/chain/receipts.js'
import type { LogPosition } from '../../src/logs/query.js'
import { data, quantity } from './hex.js'


/** geth's log JSON, as in receipts and eth_getLogs. */
export function formatLog(log: LogRecord, position: LogPosition) {
  return {
    address: data(log.address),
    topics: log.topics.map(data),
    data: data(log.data),
    blockNumber: quantity(position.blockNumber),
    transactionHash: data(position.transactionHash),
    transactionIndex: quantity(position.transactionIndex),
    blockHash: data(position.blockHash),
    blockTimestamp: quantity(position.blockTimestamp),
    logIndex: quantity(position.logIndex),
    removed: false,
  }
}
