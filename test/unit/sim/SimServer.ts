/**
 * The room in the fuzz test: the real RoomProtocol (worker/room/RoomProtocol.ts, the
 * class SessionRoom runs) over simulated sockets and an in-memory log. This file only
 * plays the runtime's part — accepting sockets, delivering frames and closes, dying
 * and coming back — and watches the frames the room sends, for the checks and stats.
 */
import type { ErrorCode, Session } from '../../../core';
import { type Attachment, RoomProtocol, type RoomSocket } from '../../../worker/room/RoomProtocol';
import { key, MemoryRoomLog } from './MemoryRoomLog';
import { STORED_SOUNDS } from './mutations';
import { CLOSED, type Connection } from './network';

export interface SimServerOptions {
  /** Catch-up window (the real ring holds 1024); small values exercise the snapshot path. */
  logSlots: number;
  /**
   * Sabotage, used only to prove the checks can fail. noDedupe: the store forgets each
   * writer's last clientSeq, so resends apply again. noAuthorSeq: the author's copy of
   * its change loses its clientSeq on the way out, so it cannot tell it is its own.
   * falseCommit: the store says a batch is committed when it is not (a restart still
   * loses it), as a room that acknowledged before the write was durable would.
   */
  sabotage?: { noDedupe?: boolean; noAuthorSeq?: boolean; falseCommit?: boolean };
}

/** The room's end of a simulated connection, as the runtime would hand it over. */
class ServerEnd implements RoomSocket {
  /** The Durable Object's WebSocket attachment. */
  private attachment: unknown = null;

  constructor(
    readonly conn: Connection,
    private readonly sent: (end: ServerEnd, frame: string) => string,
  ) {}

  send(frame: string): void {
    this.conn.serverSend(this.sent(this, frame));
  }

  close(): void {
    this.conn.serverClose();
  }

  serializeAttachment(value: unknown): void {
    this.attachment = value;
  }

  deserializeAttachment(): unknown {
    return this.attachment;
  }
}

const AUTHOR_SEQ = /^\{"type":"change","clientSeq":\d+,/;

export class SimServer {
  private readonly storage: MemoryRoomLog;
  /** Rebuilt on restart, as a new Durable Object instance is: its token buckets go too. */
  private room: RoomProtocol;
  private readonly sockets = new Map<Connection, ServerEnd>();
  private nextPeer = 1;

  /** For the checks: which clientId#clientSeq the room refused, and with what. */
  readonly refused = new Map<string, ErrorCode[]>();
  /** How often the room refused an edit with each code (the fuzz must reach every refusal of the model). */
  readonly refusalCodes = new Map<ErrorCode, number>();
  readonly stats = {
    frames: 0,
    applied: 0,
    duplicates: 0,
    refusals: 0,
    rateLimited: 0,
    snapshots: 0,
    catchups: 0,
    restarts: 0,
    /** Group commits, and the changes they carried; changes lost with a restart before their commit. */
    commits: 0,
    committedChanges: 0,
    lostUncommitted: 0,
  };
  /** The room's flush while a batch is open: the world calls it when the "commit" is due. */
  private pendingFlush: (() => void) | null = null;

  constructor(
    initial: Session,
    private readonly options: SimServerOptions,
    private readonly now: () => number,
  ) {
    this.storage = new MemoryRoomLog(initial, options.logSlots, options.sabotage?.noDedupe, options.sabotage?.falseCommit);
    this.room = this.newRoom();
  }

  get session(): Session {
    return this.storage.loaded.session;
  }

  get version(): number {
    return this.storage.loaded.version;
  }

  get history(): readonly Session[] {
    return this.storage.history;
  }

  get appliedCount(): ReadonlyMap<string, number> {
    return this.storage.appliedCount;
  }

  get appliedMutation(): ReadonlyMap<string, string> {
    return this.storage.appliedMutation;
  }

  get appliedTypes(): ReadonlyMap<string, number> {
    return this.storage.appliedTypes;
  }

  /** A WebSocket upgrade was accepted (the session exists). */
  accept(conn: Connection): void {
    const end = new ServerEnd(conn, (e, frame) => this.sent(e, frame));
    this.sockets.set(conn, end);
    this.room.accept(end, `peer-${this.nextPeer++}`);
  }

  /**
   * Deliver the next client → server frame of `conn`. Frames keep arriving after the
   * room closed its end, until the client's close does (a close is a handshake).
   */
  deliver(conn: Connection): void {
    const frame = conn.toServer.shift();
    const end = this.sockets.get(conn);
    if (frame === undefined || !end) return;
    if (frame === CLOSED) {
      this.room.closed(end, 1000, '');
      conn.serverOpen = false;
      this.sockets.delete(conn);
      return;
    }
    this.stats.frames++;
    const applied = this.storage.history.length;
    this.room.message(end, frame);
    this.stats.applied += this.storage.history.length - applied;
  }

  /** The open batch's commit is due (the runtime's storage confirmed the one before). */
  commit(): void {
    const flush = this.pendingFlush;
    this.pendingFlush = null;
    if (!flush) return;
    const changes = this.storage.uncommitted;
    flush();
    if (changes > 0) {
      this.stats.commits++;
      this.stats.committedChanges += changes;
    }
  }

  /**
   * The process dies and comes back: sockets and in-memory data are gone, and so is the
   * open batch of changes not yet committed; what was committed stays.
   */
  restart(): void {
    this.stats.restarts++;
    this.stats.lostUncommitted += this.storage.uncommitted;
    this.storage.crash();
    this.pendingFlush = null;
    for (const conn of this.sockets.keys()) conn.sever();
    this.sockets.clear();
    this.room = this.newRoom();
  }

  private newRoom(): RoomProtocol {
    return new RoomProtocol(this.storage, {
      sockets: () => [...this.sockets.values()].filter((end) => end.conn.serverOpen),
      now: this.now,
      // The world decides when a batch commits (a 'commit' command, and while settling).
      staged: (flush) => {
        this.pendingFlush = flush;
      },
      changed: () => {},
      // The simulated R2: immutable, holding some of the pool's sounds.
      soundStored: (key) => STORED_SOUNDS.has(key),
    });
  }

  /** Every frame the room sends passes here: tally it, and apply the noAuthorSeq sabotage. */
  private sent(end: ServerEnd, frame: string): string {
    const type = /^\{"type":"(\w+)"/.exec(frame)?.[1];
    if (type === 'ack') this.stats.duplicates++;
    else if (type === 'snapshot') this.stats.snapshots++;
    else if (type === 'catchup') this.stats.catchups++;
    else if (type === 'error') {
      const error = JSON.parse(frame) as { code: ErrorCode; clientSeq?: number };
      if (error.code === 'rate_limited') this.stats.rateLimited++;
      if (error.clientSeq !== undefined) {
        this.stats.refusals++;
        this.refusalCodes.set(error.code, (this.refusalCodes.get(error.code) ?? 0) + 1);
        // The author is the writer the socket said hello as (it changes after a seq_conflict).
        const writer = (end.deserializeAttachment() as Attachment | null)?.clientId ?? end.conn.owner;
        const k = key(writer, error.clientSeq);
        this.refused.set(k, [...(this.refused.get(k) ?? []), error.code]);
      }
    } else if (type === 'change' && this.options.sabotage?.noAuthorSeq) {
      return frame.replace(AUTHOR_SEQ, '{"type":"change",');
    }
    return frame;
  }
}
