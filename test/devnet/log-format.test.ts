import { describe, expect, it } from 'vitest'
import { formatLogLine } from '../../src/devnet/log-format.js'

describe('formatLogLine', () => {
  const time = Date.UTC(2026, 10, 22, 1, 2, 3)

  it('unpacks a pino line: clock, source, level, message, then the other fields', () => {
    const line = JSON.stringify({ level: 30, time, module: 'sync', number: '12', lag: 0, msg: 'following' })
    expect(formatLogLine('follower', line)).toBe('01:02:03 follower INFO following module=sync number=12 lag=0')
  })

  it('quotes strings with spaces and prints objects as JSON', () => {
    const line = JSON.stringify({ level: 40, time, msg: 'sends failed', lastError: 'nonce too low', sent: { transfer: 1 } })
    expect(formatLogLine('traffic', line)).toBe('01:02:03 traffic  WARN sends failed lastError="nonce too low" sent={"transfer":1}')
  })

  it('passes anything else on behind the source', () => {
    expect(formatLogLine('anvil', 'Block Number: 7')).toMatch(/^\d\d:\d\d:\d\d anvil    Block Number: 7$/)
    expect(formatLogLine('follower', '{"not":"pino"}')).toMatch(/ follower {"not":"pino"}$/)
  })
})
