// Deterministic corpus of Jekyll posts shaped like content/posts/000_7402dedd91baa3ec.txt:
// Chinese HTML bodies of 2–12 KB, `+0800` dates over three years (2020–2022), 20 categories
// with a Zipf-like skew (weight 1/rank), 1–3 tags each. Same seed and index → same bytes.
//
//   tsx bench/corpus.ts --n 1000 --seed 1 --out /tmp/corpus   (writes posts/*.txt)

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchArguments } from './stats';

export interface CorpusPost {
  /** Object key, as uploaded to the bucket (`posts/…`). */
  key: string;
  category: string;
  tags: string[];
  bytes: Buffer;
}

export const CATEGORIES = [
  'chengduribao',
  'chengduwanbao',
  'jinniu',
  'jingji',
  'shehui',
  'wenhua',
  'tiyu',
  'keji',
  'jiaoyu',
  'jiankang',
  'lvyou',
  'meishi',
  'fangchan',
  'qiche',
  'falv',
  'huanbao',
  'nongye',
  'jiaotong',
  'guoji',
  'pinglun',
];

const TAGS = [
  '成都日报新闻',
  '金牛区',
  '天府新区',
  '双城经济圈',
  '乡村振兴',
  '碳达峰',
  '营商环境',
  '疫情防控',
  '大运会',
  '公园城市',
  '科技创新',
  '民生实事',
  '文化旅游',
  '交通建设',
  '教育改革',
  '医疗卫生',
  '生态环境',
  '招商引资',
  '城市更新',
  '社区治理',
  '消费升级',
  '数字经济',
  '就业创业',
  '养老服务',
  '食品安全',
  '防汛减灾',
  '法治建设',
  '青年人才',
  '非遗传承',
  '体育赛事',
];

const PHRASES = [
  '坚持稳字当头、稳中求进',
  '以供给侧结构性改革为主线',
  '全面服务国家战略和省市发展大局',
  '突出绿色低碳发展和内涵提升',
  '全面深化改革开放',
  '坚持创新驱动发展',
  '统筹疫情防控和经济社会发展',
  '统筹发展和安全',
  '继续做好“六稳”“六保”工作',
  '加快建设践行新发展理念的公园城市示范区',
  '以优异成绩迎接党的二十大胜利召开',
  '会议深入贯彻中央和省市经济工作会精神',
  '回顾总结全年经济工作',
  '安排部署下一阶段重点任务',
  '进一步统一思想，明确任务，振奋精神，鼓足干劲',
  '确保一季度经济“开门红”',
  '推动成渝地区双城经济圈建设走深走实',
  '着力“三生共融”推动经济社会发展全面绿色低碳转型',
  '持续优化营商环境',
  '加快构建现代化产业体系',
  '扎实推进共同富裕',
  '提升城市治理体系和治理能力现代化水平',
  '办好群众家门口的民生实事',
  '市民游客络绎不绝',
  '记者从相关部门获悉',
  '据了解',
  '截至目前',
  '下一步',
  '同比增长百分之八点六',
  '项目总投资约一百二十亿元',
];

/** mulberry32: small, fast, and the same everywhere. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZIPF = (() => {
  const weights = CATEGORIES.map((_, rank) => 1 / (rank + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  return weights.map((weight) => (sum += weight / total));
})();

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');
const START = Date.UTC(2020, 0, 1) - 8 * 3_600_000; // 2020-01-01 00:00 +0800
const SPAN = 3 * 365 * 86_400_000;

/** Post `index` of the corpus for `seed`; independent of any other index. */
export function corpusPost(seed: number, index: number, options: { category?: string } = {}): CorpusPost {
  const rand = random((seed * 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
  const u = rand();
  const category =
    options.category ?? CATEGORIES[ZIPF.findIndex((edge) => u <= edge)] ?? CATEGORIES[CATEGORIES.length - 1];
  const tags = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(rand, TAGS)))];
  // Local (+0800) wall-clock time, written as Jekyll writes it.
  const local = new Date(START + Math.floor(rand() * SPAN) + 8 * 3_600_000);
  const date =
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} +0800`;
  const title = `${pick(rand, PHRASES)} ${pick(rand, PHRASES)}`.replace(/"/g, '');
  const target = 2048 + Math.floor(rand() * 10 * 1024); // body bytes, 2–12 KB
  const paragraphs: string[] = [];
  let size = 0;
  while (size < target) {
    const sentences = Array.from(
      { length: 2 + Math.floor(rand() * 4) },
      () => `${pick(rand, PHRASES)}，${pick(rand, PHRASES)}。`,
    );
    const paragraph =
      rand() < 0.1 ? ` <p><strong>${pick(rand, PHRASES)}</strong></p>` : ` <p>${sentences.join('')}</p>`;
    paragraphs.push(paragraph);
    size += Buffer.byteLength(paragraph) + 1;
  }
  const code = `NW${local.getUTCFullYear()}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}${pad(index, 10)}`;
  paragraphs.push(` <p><a href="https://example.com/html_News/NewsShare.html?infoCode=${code}">原文链接</a></p>`);
  const text = [
    '---',
    'layout: post',
    `title: "${title}"`,
    `date: ${date}`,
    `categories: ${category}`,
    `tags: ${tags.join(' ')}`,
    '---',
    paragraphs.join('\n').slice(1),
    '',
  ].join('\n');
  const hex =
    Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, '0') +
    Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return { key: `posts/${pad(index, 6)}_${hex}.txt`, category, tags, bytes: Buffer.from(text, 'utf8') };
}

export function corpus(seed: number, n: number): CorpusPost[] {
  return Array.from({ length: n }, (_, index) => corpusPost(seed, index));
}

async function main(): Promise<void> {
  const args = benchArguments({ n: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } });
  const n = Number(args.n ?? 1000);
  const seed = Number(args.seed ?? 1);
  const out = args.out ?? 'bench/corpus';
  await mkdir(join(out, 'posts'), { recursive: true });
  for (const post of corpus(seed, n)) await writeFile(join(out, post.key), post.bytes);
  console.log(`wrote ${n} posts (seed ${seed}) to ${join(out, 'posts')}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
