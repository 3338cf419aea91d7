/**
 * Calling one shard: the replicas that hold it, tried in turn, with a deadline per call and
 * hedging — when the first replica has not answered after `hedgeMs`, the same request goes to
 * the next one too, and the first answer wins (the other is abandoned). A replica that refuses
 * the connection or answers an error is skipped at once. No answer from any replica within the
 * deadline: no answer, and the caller marks the shard missing (never silently). A failed call
 * says whether some replica refused because it does not hold the generation asked (HTTP 409):
 * that replica is alive, so the coordinator may ask again for whatever generation it serves.
 */
export interface Replica {
  id: string;
  url: string;
  /** Shard → generation it serves. */
  generations: Record<string, number>;
}

export interface CallOptions {
  timeoutMs: number;
  hedgeMs: number;
  /** Counts calls by outcome (metrics). */
  onOutcome?: (outcome: 'ok' | 'error' | 'timeout' | 'hedged') => void;
}

/** The answer of one replica, or no answer; `notHeld`: some replica refused the generation asked. */
export type CallResult<T> = { answer: T; replica: Replica } | { answer: undefined; notHeld: boolean };

class HttpStatus extends Error {
  readonly status: number;
  constructor(url: string, status: number, text: string) {
    super(`${url}: HTTP ${status} ${text.slice(0, 200)}`);
    this.status = status;
  }
}

async function post(url: string, body: string, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal });
  const text = await res.text();
  if (res.status !== 200) throw new HttpStatus(url, res.status, text);
  return JSON.parse(text);
}

export async function callShard<T>(replicas: Replica[], path: string, payload: unknown, o: CallOptions): Promise<CallResult<T>> {
  if (replicas.length === 0) return { answer: undefined, notHeld: false };
  const body = JSON.stringify(payload);
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const controllers: AbortController[] = [];
  return new Promise((resolve) => {
    let next = 0;
    let pending = 0;
    let done = false;
    let notHeld = false;
    let hedge: NodeJS.Timeout | undefined;
    const finish = (v: CallResult<T>) => {
      if (done) return;
      done = true;
      clearTimeout(hedge);
      deadline.removeEventListener('abort', onDeadline);
      for (const c of controllers) c.abort();
      resolve(v);
    };
    const onDeadline = () => {
      o.onOutcome?.('timeout');
      finish({ answer: undefined, notHeld });
    };
    deadline.addEventListener('abort', onDeadline);
    const launch = () => {
      if (done || next >= replicas.length) {
        if (!done && pending === 0) finish({ answer: undefined, notHeld });
        return;
      }
      const r = replicas[next++];
      const ctl = new AbortController();
      controllers.push(ctl);
      pending++;
      clearTimeout(hedge);
      // Hedge: another replica if this one is slow.
      if (next < replicas.length) {
        hedge = setTimeout(() => {
          o.onOutcome?.('hedged');
          launch();
        }, o.hedgeMs);
      }
      post(r.url + path, body, AbortSignal.any([ctl.signal, deadline]))
        .then((answer) => {
          o.onOutcome?.('ok');
          finish({ answer: answer as T, replica: r });
        })
        .catch((e: unknown) => {
          pending--;
          if (done) return;
          if (e instanceof HttpStatus && e.status === 409) notHeld = true;
          o.onOutcome?.('error');
          launch();
        });
    };
    launch();
  });
}
