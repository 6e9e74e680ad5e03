// The Oracle Net (TNS) half of one client connection: CONNECT answered with
// ACCEPT or REFUSE, DATA packets assembled into requests that are handled one
// at a time and in order, break markers from the client (callTimeout) that
// cancel the running and queued calls, and the faults that act on the wire
// (freeze, a firewall that forgets the connection). What a request means is
// the session's business (session.ts).
import type { Socket } from 'node:net';
import {
  acceptPacket,
  connectDescriptor,
  DATA_FLAG_END_OF_REQUEST,
  DATA_FLAG_EOF,
  dataFlags,
  dataPackets,
  dataPayload,
  Marker,
  markerPacket,
  PacketSplitter,
  PacketType,
  refusePacket,
  type Packet,
} from '../protocol/packets.js';
import type { SessionContext } from './session-context.js';

/** Answer sizes we accept: the client asks for 8192 by default. */
const MIN_SDU = 512;
const MAX_SDU = 65535;
const TDU = 65535;

let nextSessionId = 1;

export abstract class TnsConnection {
  /** the SID: one per connection, as each dedicated server process has one session */
  readonly id = nextSessionId++;
  private readonly splitter = new PacketSplitter();
  private state: 'connect' | 'connectData' | 'open' | 'closed' = 'connect';
  private sdu = 8192;
  private connectLength = 0;
  private requestParts: Buffer[] = [];
  private work: Promise<void> = Promise.resolve();
  /** aborted by a break: every call queued or running under it is abandoned */
  private breakScope = new AbortController();
  private readonly heldInput: Buffer[] = [];
  private readonly heldOutput: Buffer[] = [];
  /** a firewall forgot this connection: nothing in, nothing out, no RST */
  private blackholed = false;
  private callsInFlight = 0;
  protected lastCallEndedAt = Date.now();

  constructor(
    private readonly socket: Socket,
    protected readonly ctx: SessionContext,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.blackholed) return;
      if (this.ctx.faults.frozen) this.heldInput.push(chunk);
      else this.receive(chunk);
    });
    socket.on('error', () => {}); // resets by the client are normal; 'close' follows
    // the client's FIN: answer with ours, unless a firewall swallowed it, in
    // which case the database keeps the session as Oracle does until dead
    // connection detection, and it still counts against every limit
    socket.on('end', () => {
      if (!this.blackholed) socket.end();
    });
    socket.on('close', () => this.closed());
  }

  /** The connect descriptor's verdict: 0 to accept, else the TNS error number to refuse with. */
  protected abstract admit(descriptor: string): number;
  /** One complete request (TTC message), its calls cancelled when `scope` aborts. */
  protected abstract handle(request: Buffer, scope: AbortSignal): Promise<void>;
  /** The client broke into a call: answer it (the reset marker is already sent). */
  protected abstract onBreak(): void;
  /** The connection is gone (or was refused): end what the session holds. */
  protected abstract ended(): void;

  /** Drops the connection; the session counts as ended at once, not when 'close' fires. */
  kill(): void {
    this.socket.destroy();
    this.closed();
  }

  /** A firewall drops the connection's state: from now on every packet either way is swallowed. */
  dropByFirewall(): void {
    this.blackholed = true;
  }

  /** Milliseconds since the last call ended; 0 while one runs. */
  get idleMs(): number {
    return this.callsInFlight > 0 ? 0 : Date.now() - this.lastCallEndedAt;
  }

  get busy(): boolean {
    return this.callsInFlight > 0;
  }

  /** Called on unfreeze: send what was held back, then process what arrived meanwhile. */
  thaw(): void {
    if (this.state === 'closed' || this.blackholed) return;
    for (const b of this.heldOutput.splice(0)) this.socket.write(b);
    while (this.heldInput.length > 0 && !this.ctx.faults.frozen) this.receive(this.heldInput.shift()!);
  }

  /** Abandons every running and queued call; returns the scope for what comes next. */
  protected cancelCalls(reason: string): AbortSignal {
    this.breakScope.abort(new Error(reason));
    this.breakScope = new AbortController();
    return this.breakScope.signal;
  }

  /** Sends one TTC message, in as many DATA packets as the SDU needs. */
  protected send(payload: Buffer): void {
    const packets = dataPackets(payload, this.sdu);
    this.write(packets.length === 1 ? packets[0]! : Buffer.concat(packets));
  }

  private closed(): void {
    if (this.state === 'closed') return;
    if (this.state === 'open') this.ctx.accepted.count--;
    this.state = 'closed';
    this.breakScope.abort(new Error('connection closed'));
    this.ended();
  }

  private write(buf: Buffer): void {
    if (this.state === 'closed' || this.blackholed) return;
    if (this.ctx.faults.frozen) this.heldOutput.push(buf);
    else this.socket.write(buf);
  }

  private receive(chunk: Buffer): void {
    let packets: Packet[];
    try {
      packets = this.splitter.push(chunk);
    } catch (err) {
      this.ctx.log(`session ${this.id}: ${(err as Error).message}; closing`);
      this.socket.destroy();
      return;
    }
    for (const p of packets) {
      if (this.state === 'closed') return;
      this.onPacket(p);
    }
  }

  private onPacket(p: Packet): void {
    if (this.state === 'connect') {
      if (p.type !== PacketType.CONNECT) return void this.socket.destroy();
      const cd = connectDescriptor(p);
      this.sdu = Math.min(MAX_SDU, Math.max(MIN_SDU, cd.requestedSdu));
      if (cd.text !== null) this.onConnect(cd.text);
      else {
        // descriptors over 230 bytes follow in a DATA packet
        this.connectLength = cd.length;
        this.state = 'connectData';
      }
      return;
    }
    if (this.state === 'connectData') {
      if (p.type === PacketType.DATA) this.onConnect(dataPayload(p).toString('ascii', 0, this.connectLength));
      return;
    }
    if (p.type === PacketType.MARKER) return this.onMarker(p.buf[10] ?? 0);
    if (p.type !== PacketType.DATA) return;
    const flags = dataFlags(p);
    if (flags & DATA_FLAG_EOF) return void this.socket.end();
    this.requestParts.push(dataPayload(p));
    if (flags & DATA_FLAG_END_OF_REQUEST) {
      const request = this.requestParts.length === 1 ? this.requestParts[0]! : Buffer.concat(this.requestParts);
      this.requestParts = [];
      const scope = this.breakScope.signal;
      this.callsInFlight++;
      this.work = this.work.then(() => this.onRequest(request, scope));
    }
  }

  private onConnect(descriptor: string): void {
    const refuse = this.admit(descriptor);
    if (refuse) {
      this.socket.end(refusePacket(refuse));
      this.state = 'closed';
      this.ended();
      return;
    }
    this.write(acceptPacket(this.sdu, TDU));
    this.splitter.largeLengths();
    this.state = 'open';
    this.ctx.accepted.count++;
  }

  /**
   * The client interrupts a call (callTimeout) with a marker. Whatever runs is
   * abandoned; we answer with a reset marker, then the session answers the
   * call. We answer even when idle: the reply may have crossed the break on
   * the wire, and the driver then still waits for the reset and an error.
   */
  private onMarker(marker: number): void {
    if (marker === Marker.RESET) return; // the client's half of the reset: nothing to do
    this.cancelCalls('break');
    this.write(markerPacket(Marker.RESET));
    this.onBreak();
  }

  private async onRequest(request: Buffer, scope: AbortSignal): Promise<void> {
    try {
      if (scope.aborted || this.state === 'closed') return;
      await this.handle(request, scope);
    } finally {
      this.callsInFlight--;
      this.lastCallEndedAt = Date.now();
    }
  }
}
