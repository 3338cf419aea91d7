/**
 * `tra alerts …`: saved searches that fire when attention crosses a threshold or emerges
 * (src/observe/alerts.ts).
 *   tra alerts add --data DIR --name N --query Q (--threshold DOCS | --emerging [--z Z]) [--webhook URL --secret S]
 *   tra alerts list --data DIR [--json]
 *   tra alerts remove --data DIR ID
 *   tra alerts check --data DIR [--date D] [--json]   evaluate up to D (default: last day of data), send webhooks
 *   tra alerts events --data DIR [--since ID] [--json]
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NetGuard, AddressBlocked, policyFromEnv } from '../../net/guarded-fetch.ts';
import { CLASS_LABEL } from '../../net/address-policy.ts';
import { UserError } from '../errors.ts';
import { openEngine } from '../../engine/index.ts';
import { AlertStore, dayOfIso, isoOfDay, STORE_FILE, type AlertEvent } from '../../observe/index.ts';
import { openObs } from './emerging.ts';

function needData(dir: string): void {
  if (!existsSync(join(dir, STORE_FILE))) throw new UserError(`${dir}: chưa có dữ liệu (no data directory here); hãy chạy "tra index --data ${dir} FILE..." trước`);
}

function line(e: AlertEvent): string {
  const what = e.type === 'start' ? 'BẮT ĐẦU' : 'kết thúc';
  return `#${e.id} ${e.day} ${what} "${e.name}" (${e.query}): ${e.count} bài, nền ${e.expected}${e.score !== undefined ? `, điểm ${e.score}` : ''}${e.viaWebhook ? (e.delivered ? ' · đã gửi webhook' : ` · chưa gửi được webhook${e.lastError ? `: ${e.lastError}` : ''}`) : ''}`;
}

export function register(program: Command): void {
  const alerts = program.command('alerts').description('cảnh báo: tìm kiếm đã lưu, báo khi vượt ngưỡng hoặc nổi lên (webhook có chữ ký HMAC)');

  alerts
    .command('add')
    .description('lưu một cảnh báo mới')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .requiredOption('--name <name>', 'tên cảnh báo')
    .requiredOption('--query <q>', 'truy vấn, ví dụ "bão"')
    .option('--threshold <docs>', 'báo khi số bài trong một ngày ≥ ngưỡng này')
    .option('--emerging', 'báo khi truy vấn nổi lên so với mức nền của chính nó')
    .option('--z <z>', 'điểm nổi lên tối thiểu (với --emerging)', '4')
    .option('--webhook <url>', 'gửi sự kiện tới URL này (HTTP POST)')
    .option('--secret <s>', 'khoá ký HMAC-SHA256 cho webhook')
    .option('--json', 'in kết quả dạng JSON')
    .option('--allow-private-addresses', 'cho phép webhook tới địa chỉ nội bộ (loopback, mạng riêng)')
    .action(async (o: { data: string; name: string; query: string; threshold?: string; emerging?: boolean; z: string; webhook?: string; secret?: string; json?: boolean; allowPrivateAddresses?: boolean }) => {
      needData(o.data);
      if ((o.threshold === undefined) === !o.emerging) throw new UserError('chọn đúng một điều kiện: --threshold SỐ_BÀI hoặc --emerging');
      const value = Number(o.threshold ?? o.z);
      if (!Number.isFinite(value) || value <= 0) throw new UserError(`ngưỡng phải là số dương (got "${o.threshold ?? o.z}")`);
      if (o.webhook !== undefined && !/^https?:\/\//i.test(o.webhook)) throw new UserError(`--webhook phải là URL http(s) (got "${o.webhook}")`);
      if (!/[\p{L}\p{N}]/u.test(o.query)) throw new UserError(`truy vấn "${o.query}" không có từ nào để đếm`);
      if (o.webhook !== undefined) {
        // The same rule as the API: a webhook that resolves to a non-public address is refused
        // when it is saved (and again at delivery), unless the operator allows it.
        const guard = new NetGuard({ allowPrivate: o.allowPrivateAddresses === true || policyFromEnv().allowPrivate }, { keepAlive: false });
        try {
          await guard.check(new URL(o.webhook));
        } catch (e) {
          if (e instanceof AddressBlocked) throw new UserError(`--webhook trỏ tới địa chỉ ${CLASS_LABEL[e.addressClass]} (${e.address}), không được phép; dùng một URL công cộng, hoặc thêm --allow-private-addresses nếu bạn chủ ý`);
          throw new UserError(`--webhook: không tìm thấy máy chủ ${new URL(o.webhook).hostname}; hãy kiểm tra lại URL`);
        } finally {
          guard.close();
        }
      }
      const store = new AlertStore(o.data);
      try {
        const a = store.add({ name: o.name, query: o.query, kind: o.emerging ? 'emerging' : 'threshold', value, webhook: o.webhook, secret: o.secret });
        const { secret: _s, ...shown } = a;
        process.stdout.write((o.json ? JSON.stringify(shown) : `đã lưu cảnh báo #${a.id} "${a.name}"`) + '\n');
      } finally {
        store.close();
      }
    });

  alerts
    .command('list')
    .description('liệt kê các cảnh báo')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--json', 'in kết quả dạng JSON')
    .action((o: { data: string; json?: boolean }) => {
      needData(o.data);
      const store = new AlertStore(o.data);
      try {
        const list = store.list().map(({ secret: _s, ...a }) => a);
        if (o.json) process.stdout.write(JSON.stringify({ alerts: list }) + '\n');
        else process.stdout.write((list.length ? list.map((a) => `#${a.id} "${a.name}" ${a.query} · ${a.kind === 'threshold' ? `≥ ${a.value} bài/ngày` : `nổi lên, điểm ≥ ${a.value}`}${a.webhook ? ` → ${a.webhook}` : ''}${a.inEpisode ? ' · ĐANG BÁO' : ''}`).join('\n') : 'chưa có cảnh báo nào') + '\n');
      } finally {
        store.close();
      }
    });

  alerts
    .command('remove')
    .description('xoá một cảnh báo')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .argument('<id>', 'số của cảnh báo (xem "tra alerts list")')
    .action((id: string, o: { data: string }) => {
      needData(o.data);
      const store = new AlertStore(o.data);
      try {
        if (!store.remove(Number(id))) throw new UserError(`không có cảnh báo #${id}; xem "tra alerts list --data ${o.data}"`);
        process.stdout.write(`đã xoá cảnh báo #${id}\n`);
      } finally {
        store.close();
      }
    });

  alerts
    .command('check')
    .description('xét các cảnh báo đến một ngày và gửi webhook còn chờ')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--date <date>', 'xét đến ngày này (mặc định: ngày cuối có dữ liệu)')
    .option('--json', 'in kết quả dạng JSON')
    .action(async (o: { data: string; date?: string; json?: boolean }) => {
      needData(o.data);
      const obs = openObs(o.data);
      const counts = obs.counts;
      const store = new AlertStore(o.data);
      const engine = await openEngine(o.data, { readOnly: true });
      try {
        let day: number;
        if (o.date !== undefined) {
          day = dayOfIso(o.date);
          if (!Number.isFinite(day) || isoOfDay(day) !== o.date) throw new UserError(`--date: ngày không hợp lệ "${o.date}" (expected YYYY-MM-DD)`);
        } else {
          const r = counts.dayRange();
          if (!r) throw new UserError('chưa có tài liệu có ngày đăng nào để xét');
          day = r.last;
        }
        const events = store.check(engine, counts, day);
        const delivery = await store.deliver();
        const out = { date: isoOfDay(day), events: events.map((e) => store.event(e.id) ?? e), delivery };
        if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
        else process.stdout.write([`xét đến ${out.date}: ${events.length} sự kiện; webhook: ${delivery.delivered} đã gửi, ${delivery.failed} sẽ thử lại, ${delivery.gaveUp} bỏ`, ...out.events.map(line)].join('\n') + '\n');
      } finally {
        engine.close();
        store.close();
        obs.close();
      }
    });

  alerts
    .command('events')
    .description('các sự kiện cảnh báo đã ghi')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--since <id>', 'chỉ các sự kiện sau số này', '0')
    .option('--json', 'in kết quả dạng JSON')
    .action((o: { data: string; since: string; json?: boolean }) => {
      needData(o.data);
      const store = new AlertStore(o.data);
      try {
        const events = store.eventsSince(Number(o.since) || 0);
        if (o.json) process.stdout.write(JSON.stringify({ events }) + '\n');
        else process.stdout.write((events.length ? events.map(line).join('\n') : 'chưa có sự kiện nào') + '\n');
      } finally {
        store.close();
      }
    });
}
