// TCPS: the listener speaks TLS from the first byte, and the TNS packets inside
// are unchanged (docs/oracle-tls-drcp.md §1: the driver does net.connect, then
// tls.connect on that socket, then sends CONNECT as the first TLS data).
import { mkdtemp, rm } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { generatePki, writeTnsnames, writeWallet, type Wallet } from './wallet.js';

export type TlsMode = 'mutual' | 'one-way';

export interface TlsOptions {
  /** 'mutual' (default): the server requests a client certificate and rejects the handshake without a valid one; 'one-way': it never asks */
  mode?: TlsMode;
  /** where ewallet.pem and tnsnames.ora are written (and left); default a fresh temporary directory, removed by close() */
  walletDir?: string;
  /** encrypts the wallet's private key; the driver then needs the same `walletPassword` */
  walletPassword?: string;
  /** tnsnames.ora alias for this simulator (default `<service>_tcps`, lower case) */
  alias?: string;
  /** names in the server certificate (SAN); default localhost, 127.0.0.1, ::1 and the listen host */
  certificateHosts?: string[];
}

/** What a TLS simulator tells its clients; never the password. */
export interface TlsInfo {
  mode: TlsMode;
  /** walletLocation for the driver (holds ewallet.pem) and configDir (holds tnsnames.ora) */
  walletDir: string;
  alias: string;
  /** the certificate subject written as the alias's SSL_SERVER_CERT_DN */
  serverCertDn: string;
  /** the test CA, PEM: for NODE_EXTRA_CA_CERTS or a client's own trust store */
  caCert: string;
}

export interface PreparedTls {
  serverOptions: tls.TlsOptions;
  wallet: Wallet;
  info: TlsInfo;
  /** writes tnsnames.ora once the port is known */
  publish(host: string, port: number): Promise<void>;
  /** removes the wallet directory if the simulator created it (no walletDir given) */
  cleanUp(): Promise<void>;
}

export async function prepareTls(options: TlsOptions, host: string, serviceName: string): Promise<PreparedTls> {
  const mode = options.mode ?? 'mutual';
  const ownsDir = options.walletDir === undefined;
  const walletDir = options.walletDir ?? (await mkdtemp(path.join(os.tmpdir(), 'orasim-wallet-')));
  const hosts = options.certificateHosts ?? ['localhost', '127.0.0.1', '::1', host === '0.0.0.0' || host === '::' ? os.hostname() : host];
  const pki = await generatePki({ hosts });
  const wallet = await writeWallet(pki, { dir: walletDir, password: options.walletPassword });
  const alias = options.alias ?? `${serviceName.toLowerCase()}_tcps`;
  const serverOptions: tls.TlsOptions = {
    key: pki.serverKey,
    cert: pki.serverCert,
    // mutual TLS: ask for the client's certificate and refuse the handshake
    // unless our CA signed it (the driver then reports NJS-500/501, §1 table)
    ...(mode === 'mutual' ? { ca: [pki.caCert], requestCert: true, rejectUnauthorized: true } : {}),
  };
  return {
    serverOptions,
    wallet,
    info: { mode, walletDir, alias, serverCertDn: pki.serverCertDn, caCert: pki.caCert },
    async publish(listenHost, port) {
      const advertised = listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost;
      await writeTnsnames(walletDir, [{ alias, host: advertised, port, serviceName, serverCertDn: pki.serverCertDn }]);
    },
    async cleanUp() {
      if (ownsDir) await rm(walletDir, { recursive: true, force: true });
    },
  };
}

/** A TLS listener whose connections are handed over once the handshake succeeded. */
export function createTlsServer(prepared: PreparedTls, onSocket: (s: net.Socket) => void, log: (line: string) => void): tls.Server {
  const server = tls.createServer(prepared.serverOptions, (socket) => {
    const peer = socket.getPeerCertificate();
    if (peer && peer.subject) log(`tls: client certificate CN=${peer.subject.CN} authorized=${socket.authorized}`);
    onSocket(socket);
  });
  // a bad or missing client certificate, or a plain TCP client on the TLS port
  server.on('tlsClientError', (err) => log(`tls: handshake failed: ${err.message}`));
  return server;
}
