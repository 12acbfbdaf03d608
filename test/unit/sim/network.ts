/**
 * A simulated WebSocket: two FIFO queues of text frames, one per direction, like a
 * real socket (frames on one connection never overtake each other; frames on
 * different connections interleave however the scheduler likes).
 *
 * A close is a marker in the queue, so the far side sees it after every frame sent
 * before it. A side that has closed drops whatever still arrives for it.
 */
export const CLOSED = Symbol('closed');
export type Frame = string | typeof CLOSED;

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  /** Client → server frames not yet delivered. */
  readonly toServer: Frame[] = [];
  /** Server → client frames not yet delivered. */
  readonly toClient: Frame[] = [];
  /** The client has not closed it (and has not seen the server close it). */
  clientOpen = true;
  /** The server has not closed it (and has not seen the client close it). */
  serverOpen = true;
  constructor(readonly owner: string) {}

  clientSend(frame: string): void {
    if (this.clientOpen) this.toServer.push(frame);
  }

  serverSend(frame: string): void {
    if (this.serverOpen && this.clientOpen) this.toClient.push(frame);
  }

  /**
   * The client closes (tab closed, network drop). `inFlight` frames it already sent
   * still reach the server; the rest are lost. The server then sees the close.
   */
  clientClose(inFlight: number): void {
    if (!this.clientOpen) return;
    this.clientOpen = false;
    this.toClient.length = 0;
    const kept = this.toServer.filter((f) => f !== CLOSED).slice(0, Math.max(0, inFlight));
    this.toServer.length = 0;
    this.toServer.push(...kept);
    if (this.serverOpen) this.toServer.push(CLOSED);
  }

  /** The server closes it (ghost replaced, abuse): the client sees it after earlier frames. */
  serverClose(): void {
    if (!this.serverOpen) return;
    this.serverOpen = false;
    if (this.clientOpen) this.toClient.push(CLOSED);
  }

  /** The server process dies: nothing more goes either way, the client sees a close at once. */
  sever(): void {
    this.serverOpen = false;
    this.toServer.length = 0;
    this.toClient.length = 0;
    if (this.clientOpen) this.toClient.push(CLOSED);
  }

  get idle(): boolean {
    return this.toServer.length === 0 && this.toClient.length === 0;
  }
}
