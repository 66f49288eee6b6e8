// The organisations' words in both languages (server/i18n/messages.ts): USCC refusals by reason, review
// refusals, and what a flag says.
import { defineMessages } from '../i18n/messages.js';

export const ORG_MESSAGES = defineMessages({
  USCC_LENGTH: {
    en: 'A unified social credit code has 18 characters ({length} given).',
    zh: '统一社会信用代码应为18位（当前{length}位）。',
  },
  USCC_CHARSET: {
    en: 'Character {position} ({char}) is not used in unified social credit codes: only digits and the letters A–Y without I, O, S, V, Z.',
    zh: '第{position}位“{char}”不是统一社会信用代码使用的字符：只能是数字和除I、O、S、V、Z以外的大写字母。',
  },
  USCC_AUTHORITY: {
    en: 'The first two characters ({code}) are not a registration authority and organisation type of GB 32100-2015 (e.g. 91 for an enterprise).',
    zh: '前两位“{code}”不是GB 32100-2015规定的登记管理部门和机构类别代码（如企业为91）。',
  },
  USCC_DIVISION: {
    en: 'Characters 3–8 ({division}) are not an administrative division code (GB/T 2260).',
    zh: '第3–8位“{division}”不是有效的行政区划代码（GB/T 2260）。',
  },
  USCC_ORG_CODE_CHECK: {
    en: 'The organisation code in characters 9–17 ({orgCode}) has a wrong check character (GB 11714): re-read the code.',
    zh: '第9–17位组织机构代码“{orgCode}”的校验码不正确（GB 11714），请核对代码。',
  },
  USCC_CHECK_CHARACTER: {
    en: 'The check character of this unified social credit code does not match (GB 32100-2015): re-read the code.',
    zh: '统一社会信用代码的校验码不正确（GB 32100-2015），请核对代码。',
  },
  ORGANISATION_EXISTS: {
    en: 'An organisation with the code {uscc} is registered already ({name}, {status}).',
    zh: '统一社会信用代码为{uscc}的单位已登记（{name}，状态：{statusZh}）。',
  },
  ORGANISATION_NOT_FOUND: {
    en: 'No such organisation in your jurisdiction.',
    zh: '您的辖区内没有该单位。',
  },
  ORGANISATION_TRANSITION_INVALID: {
    en: 'An organisation that is {from} cannot be given the decision {decision}: pending → approved, suspended or revoked; approved ↔ suspended; revoked is final.',
    zh: '状态为“{fromZh}”的单位不能作出“{decisionZh}”决定：待审核可核准、暂停或撤销；已核准与已暂停可互相转换；已撤销为最终状态。',
  },
  ORGANISATION_OUTSIDE_JURISDICTION: {
    en: 'The code places this organisation in {region} ({regionCode}), outside your jurisdiction ({jurisdiction}): the regulators there register it.',
    zh: '该代码显示单位所在地为{region}（{regionCode}），不在您的辖区（{jurisdiction}）内，应由当地监管部门登记。',
  },
  ORGANISATION_NAME_INVALID: {
    en: 'An organisation’s name has letters, and may have digits and & . , \' - ( ) / + (at most 100 characters).',
    zh: '单位名称须包含文字，可包含数字及 & . , \' - ( ) / + （）·、（最多100个字符）。',
  },
  LEGAL_REP_NAME_INVALID: {
    en: "The legal representative's name has letters and no digits or symbols.",
    zh: '法定代表人姓名只能包含文字，不能有数字或符号。',
  },
  ORG_ISSUING_COUNTRY_REQUIRED: {
    en: 'A passport needs its issuing state (ICAO alpha-3, e.g. USA).',
    zh: '护照须填写签发国家（ICAO三位字母代码，如USA）。',
  },
  ORG_ISSUING_COUNTRY_INVALID: {
    en: '{country} is not an ICAO issuing state code.',
    zh: '{country}不是有效的ICAO签发国家代码。',
  },
  REVIEW_REASON_REQUIRED: {
    en: 'Say why: the organisation’s history keeps the reason of every review.',
    zh: '请填写理由：单位的审核记录会保存每次审核的理由。',
  },
});
