import { join } from 'node:path'
import { REPO_ROOT } from '../../fixtures/anvil/paths.js'

/**
 * The devnet chain's genesis (fixtures/devnet/README.md says why it looks the way it does). Found
 * from the repository root, so the TypeScript source and its build in dist/ read the same file.
 */
export const DEVNET_GENESIS_PATH = join(REPO_ROOT, 'fixtures', 'devnet', 'genesis.json')
