/**
 * Vietnamese stopwords for the observatory (matching forms, see src/vi normalizeForMatch).
 *
 * Vietnamese words are made of syllables, and the observatory counts single syllables and
 * adjacent-syllable pairs. Two lists, written for news headlines and summaries:
 *
 * - GRAMMAR: function syllables that never carry the topic (conjunctions, prepositions, aspect
 *   and voice markers, classifiers, demonstratives). A pair containing one is dropped too:
 *   "của ông", "đã có", "các tỉnh" say nothing a topic list needs.
 * - COMMON: frequent syllables that mean little alone (time words, pronouns and titles, vague
 *   verbs and quantities) but do build meaningful pairs: "người dân", "ông Trump", "tháng 9",
 *   "hôm nay" are not wanted, yet "ngày hội" is. A single COMMON syllable is dropped, and a pair
 *   of two COMMON syllables is dropped.
 */
import { normalizeForMatch } from '../vi/index.ts';

const GRAMMAR_WORDS = `
và của là các những được đã sẽ đang thì mà này đó kia ấy nọ với cho để từ theo tại về khi nếu
vì do bởi rằng cũng còn nhưng hay hoặc như bị có một mỗi mọi từng vừa mới rồi chưa hãy đừng chớ
nên phải cần vẫn đều lại chỉ cả nữa luôn ngay thật rất quá lắm hơn nhất chứ nhé ạ à ư sao gì ai
nào đâu bao nhiêu mấy ở trong ngoài trên dưới giữa sau trước qua tới đến vào ra lên xuống cùng
bằng hết
`;

const COMMON_WORDS = `
người ông bà anh chị em cô chú bác cháu con họ chúng tôi ta mình nó hắn
ngày tháng năm tuần giờ phút hôm nay mai sáng trưa chiều tối đêm lúc thời gian khi mùng
việc sự cuộc điều cái chiếc nhiều ít số nhóm loại phần lần đợt vụ
nói cho biết thể làm đi đưa đang tiếp tục trở thành xem thấy muốn
không khiến gần khoảng hơn nhiều tất cả toàn
mới cũ lớn nhỏ cao thấp tốt xấu
đây thế vậy này kìa
`;

function toSet(words: string): Set<string> {
  return new Set(words.split(/\s+/).filter(Boolean).map((w) => normalizeForMatch(w)));
}

/**
 * Words that count things in sequence: "vòng 18" (round 18), "mùng 5" (5th of the lunar month),
 * "kỳ 3", "khóa XIV". Each new number is a "new" pair on its day, like a date, and names no
 * topic; a pair of one of these and a number is not counted.
 */
const SEQUENCE_WORDS = 'vòng lượt mùng kỳ khóa tập quý hiệp số lần thứ phần chương tuần ngày tháng năm đợt';

/**
 * Words for people among the COMMON ones (kin terms used as titles): vague alone, but part of a
 * name or a role when a label starts with them ("cô giáo Hương", "ông Trump"), so labels keep them.
 */
const PERSON_WORDS = 'ông bà anh chị em cô chú bác cháu con';

/**
 * Nouns whose numbered sequence names one event: "bão số 10" is the season's tenth storm (the
 * national numbering the press uses from the first forecast, often before the international name
 * is in the headlines). Such a noun + a SEQUENCE word + a number is counted as one term (terms.ts).
 */
const NUMBERED_WORDS = 'bão';

export const GRAMMAR: ReadonlySet<string> = toSet(GRAMMAR_WORDS);
export const NUMBERED: ReadonlySet<string> = toSet(NUMBERED_WORDS);
export const PERSON: ReadonlySet<string> = toSet(PERSON_WORDS);
export const SEQUENCE: ReadonlySet<string> = toSet(SEQUENCE_WORDS);
export const COMMON: ReadonlySet<string> = new Set([...toSet(COMMON_WORDS), ...GRAMMAR]);

/** True when a single syllable (matching form) should not be counted as a term. */
export function isStopword(norm: string): boolean {
  return COMMON.has(norm);
}

/** True when the pair `a b` (matching forms) should not be counted as a term. */
export function isStopPair(a: string, b: string): boolean {
  if (GRAMMAR.has(a) || GRAMMAR.has(b)) return true;
  return COMMON.has(a) && COMMON.has(b);
}
