// Test PKI for TCPS: a CA, a server certificate and a client certificate,
// issued with the openssl CLI (node:crypto can create keys but cannot issue
// certificates), and a wallet directory in the layout the thin driver reads.
// Recipe: docs/oracle-tls-drcp.md §3; wallet layout: §2.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WalletOptions {
  /** where ewallet.pem and tnsnames.ora are written (created if missing) */
  dir: string;
  /**
   * Encrypts the client key (PKCS#8, AES-256-CBC) as an Autonomous Database
   * wallet's ewallet.pem is; the driver then needs `walletPassword` (§2).
   * Without it the key is written in the clear.
   */
  password?: string;
  /** names the server certificate is valid for (SAN); default localhost, 127.0.0.1, ::1 */
  hosts?: string[];
  /** subject CN of the server certificate (default localhost) */
  serverCommonName?: string;
  /** organisation in every subject (default OraSim); a second PKI with another value is "another CA" */
  organization?: string;
  /**
   * false: the wallet holds only the CA certificate (no client certificate or key),
   * which is what a one-way-TLS-only wallet would carry. Default true.
   */
  clientCertificate?: boolean;
}

/** PEM material of a generated PKI; the private keys never leave the process except the wallet's. */
export interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** the server certificate's subject as the driver's DN match reads it: "CN=localhost,O=OraSim,C=US" (§1) */
  serverCertDn: string;
  /** the client certificate's subject CN */
  clientCommonName: string;
}

export interface Wallet extends Pki {
  dir: string;
  /** `${dir}/ewallet.pem` */
  walletFile: string;
}

/** Generates a CA, server and client certificates in a scratch directory that is removed afterwards. */
export async function generatePki(options: Omit<WalletOptions, 'dir' | 'password' | 'clientCertificate'> = {}): Promise<Pki> {
  const org = options.organization ?? 'OraSim';
  const cn = options.serverCommonName ?? 'localhost';
  const hosts = options.hosts ?? ['localhost', '127.0.0.1', '::1'];
  const san = [...new Set(hosts)].map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const work = await mkdtemp(path.join(os.tmpdir(), 'orasim-pki-'));
  const f = (name: string) => path.join(work, name);
  const ssl = (...args: string[]) => run('openssl', args, { cwd: work });
  try {
    await ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650', '-keyout', f('ca.key'), '-out', f('ca.crt'),
      '-subj', `/O=${org}/CN=${org} Test CA`);
    await Promise.all([
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', `/C=US/O=${org}/CN=${cn}`),
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('client.key'), '-out', f('client.csr'), '-subj', `/O=${org}/CN=orapool-client`),
      writeFile(f('server.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`),
      writeFile(f('client.ext'), 'extendedKeyUsage=clientAuth\n'),
    ]);
    // serial numbers random (-set_serial) so two certificates never share a serial file
    const sign = (name: string) =>
      ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-set_serial',
        `0x${Math.floor(Math.random() * 2 ** 48).toString(16)}`, '-days', '825', '-sha256', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`));
    await Promise.all([sign('server'), sign('client')]);
    const read = (name: string) => readFile(f(name), 'utf8');
    const [caCert, serverCert, serverKey, clientCert, clientKey] = await Promise.all(
      ['ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key'].map(read),
    );
    return {
      caCert: caCert!,
      serverCert: serverCert!,
      serverKey: serverKey!,
      clientCert: clientCert!,
      clientKey: clientKey!,
      serverCertDn: `CN=${cn},O=${org},C=US`,
      clientCommonName: 'orapool-client',
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Writes `ewallet.pem` into `dir`: the client key (encrypted PKCS#8 when a
 * password is given), then the client certificate, then the CA. The driver
 * passes the whole file as cert, key and ca, so the FIRST certificate must be
 * the client's (a CA first fails with NJS-505 "key values mismatch"), and
 * every certificate in it is trusted for the server (§2).
 */
export async function writeWallet(pki: Pki, options: WalletOptions): Promise<Wallet> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const walletFile = path.join(options.dir, 'ewallet.pem');
  const parts: string[] = [];
  if (options.clientCertificate !== false) {
    parts.push(options.password ? await encryptKey(pki.clientKey, options.password) : pki.clientKey, pki.clientCert);
  }
  parts.push(pki.caCert);
  await writeFile(walletFile, parts.map((p) => p.trimEnd()).join('\n') + '\n', { mode: 0o600 });
  return { ...pki, dir: options.dir, walletFile };
}

/** PKCS#8 v2 with AES-256-CBC, as `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes it; the password reaches openssl through its environment, never its command line (visible in ps). */
async function encryptKey(keyPem: string, password: string): Promise<string> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'orasim-key-'));
  try {
    const inFile = path.join(work, 'in.key');
    await writeFile(inFile, keyPem, { mode: 0o600 });
    const { stdout } = await run('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', inFile, '-passout', 'env:ORASIM_WALLET_PW'], {
      env: { ...process.env, ORASIM_WALLET_PW: password },
    });
    return stdout;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface TnsEntry {
  alias: string;
  host: string;
  port: number;
  serviceName: string;
  /** the DN the driver must find in the server certificate; an Autonomous Database wallet carries one (§1) */
  serverCertDn: string;
  /** adds (SERVER=POOLED) to CONNECT_DATA */
  pooled?: boolean;
}

/** One tnsnames.ora entry in the shape of an Autonomous Database wallet's (quoted DN, DN match on). */
export function tnsEntry(e: TnsEntry): string {
  const server = e.pooled ? '(server=pooled)' : '';
  return (
    `${e.alias} = (description= (retry_count=0)(address=(protocol=tcps)(port=${e.port})(host=${e.host}))` +
    `(connect_data=(service_name=${e.serviceName})${server})` +
    `(security=(ssl_server_dn_match=yes)(ssl_server_cert_dn="${e.serverCertDn}")))\n`
  );
}

export async function writeTnsnames(dir: string, entries: TnsEntry[]): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'tnsnames.ora');
  await writeFile(file, entries.map(tnsEntry).join(''), { mode: 0o600 });
  return file;
}
