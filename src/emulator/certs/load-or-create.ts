import { createHash, X509Certificate } from "node:crypto";
import { mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BbOidcError } from "../../errors.js";
import { writeFileAtomic } from "../store/fs-durable.js";
import type { Store } from "../store/types.js";
import { type CertAndKey, createIntermediate, createLeaf, createRoot } from "./generate.js";

/** The emulator's TLS identity: a private root → intermediate → leaf for api.bitbucket.org. */
export interface CaMaterial {
  rootPem: string;
  intermediatePem: string;
  leafPem: string;
  leafKeyPem: string;
  /** What the HTTPS server presents: leaf then intermediate (the root is never sent). */
  chainPem: string;
  /** A PEM file holding only the root; point clients at it (NODE_EXTRA_CA_CERTS, AWS_CA_BUNDLE). */
  caFile: string;
  /** SHA-1 of the intermediate (the top intermediate served), 40 lowercase hex: IAM's thumbprint. */
  thumbprint: string;
}

export interface LoadOrCreateCaOptions {
  /** Epoch seconds; defaults to the real clock. TLS peers check validity against their own clock. */
  now?: number;
}

interface StoredChain {
  version: 1;
  root: CertAndKey;
  intermediate: CertAndKey;
  leaf: CertAndKey;
}

const CA_COLLECTION = "ca";
const CA_KEY = "chain";
const CHAIN_FILE = "ca-chain.json";
const ROOT_FILE = "ca-root.pem";

const CA_DAYS = 3650;
const LEAF_DAYS = 365;
/** Renew before expiry so a long-lived state dir never serves an expired certificate. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

/** The storage the chain lives in: the store (one record, so updates are atomic) or a plain dir. */
interface ChainHome {
  read(): Promise<StoredChain | undefined>;
  write(chain: StoredChain): Promise<void>;
  caDir(): Promise<string>;
}

function storeHome(store: Store): ChainHome {
  return {
    read: async () => store.get<StoredChain>(CA_COLLECTION, CA_KEY),
    write: (chain) => store.put(CA_COLLECTION, CA_KEY, chain),
    // A memory store has no directory; the root still needs a file clients can be pointed at.
    caDir: async () => store.dir ?? (await mkdtemp(join(tmpdir(), "bb-oidc-ca-"))),
  };
}

function dirHome(dir: string): ChainHome {
  const root = resolve(dir);
  const file = join(root, CHAIN_FILE);
  return {
    async read() {
      try {
        return JSON.parse(await readFile(file, "utf8")) as StoredChain;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new BbOidcError("ERR_STATE_CORRUPT", `CA chain at ${file} is unreadable.`, {
          cause: err,
          hint: `Delete ${file} to generate a new CA (clients must then trust the new root).`,
        });
      }
    },
    async write(chain) {
      await mkdir(root, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, JSON.stringify(chain));
    },
    caDir: async () => root,
  };
}

function notAfterMs(pem: string): number {
  return new Date(new X509Certificate(pem).validTo).getTime();
}

function isUsable(chain: StoredChain | undefined): chain is StoredChain {
  return (
    chain !== undefined &&
    chain.version === 1 &&
    [chain.root, chain.intermediate, chain.leaf].every(
      (c) => typeof c?.certPem === "string" && typeof c.keyPem === "string",
    )
  );
}

/**
 * Loads the state dir's CA chain, creating it on first use. The root and intermediate are kept for
 * their ten years so the thumbprint registered in IAM stays valid across restarts; only the leaf is
 * renewed (30 days before expiry). If the intermediate itself is about to expire, the whole chain is
 * regenerated, which changes the thumbprint — unavoidable, and ten years away.
 */
export async function loadOrCreateCa(
  storeOrDir: Store | string,
  options: LoadOrCreateCaOptions = {},
): Promise<CaMaterial> {
  const home = typeof storeOrDir === "string" ? dirHome(storeOrDir) : storeHome(storeOrDir);
  const nowMs = (options.now ?? Date.now() / 1000) * 1000;
  let chain = await home.read();
  if (isUsable(chain) && notAfterMs(chain.intermediate.certPem) - nowMs < RENEW_BEFORE_MS) {
    chain = undefined;
  }
  if (!isUsable(chain)) {
    const root = await createRoot(nowMs, CA_DAYS);
    const intermediate = await createIntermediate(root, nowMs, CA_DAYS);
    const leaf = await createLeaf(intermediate, nowMs, LEAF_DAYS);
    chain = { version: 1, root, intermediate, leaf };
    await home.write(chain);
  } else if (notAfterMs(chain.leaf.certPem) - nowMs < RENEW_BEFORE_MS) {
    chain = { ...chain, leaf: await createLeaf(chain.intermediate, nowMs, LEAF_DAYS) };
    await home.write(chain);
  }
  const caFile = join(await home.caDir(), ROOT_FILE);
  // Rewritten on every load: cheap, and repairs a deleted or edited file.
  await writeFileAtomic(caFile, chain.root.certPem);
  const intermediateDer = new X509Certificate(chain.intermediate.certPem).raw;
  return {
    rootPem: chain.root.certPem,
    intermediatePem: chain.intermediate.certPem,
    leafPem: chain.leaf.certPem,
    leafKeyPem: chain.leaf.keyPem,
    chainPem: chain.leaf.certPem + chain.intermediate.certPem,
    caFile,
    thumbprint: createHash("sha1").update(intermediateDer).digest("hex"),
  };
}
