// The verdict table: each SPF, DKIM and DMARC result with what decided it, in words. Every value is text.

import { h, badge, table, text } from './dom.js';

const SPF_MEANING = {
  pass: 'is allowed to send for',
  fail: 'is not allowed to send for',
  softfail: 'is probably not allowed to send for',
  neutral: 'is neither allowed nor denied by',
  none: 'cannot be checked against',
  temperror: 'could not be checked (a DNS lookup failed) against',
  permerror: 'could not be checked (the record is broken) against',
};

/** One SPF evaluation in words: who, for which domain, which record and mechanism decided. */
export function spfWords(spf, role) {
  if (!spf) return 'not evaluated';
  const words = [];
  const identity = spf.identity === 'helo' ? `the HELO name ${spf.domain}` : spf.domain;
  words.push(`${role} ${spf.ip} ${SPF_MEANING[spf.result] || 'was checked against'} ${identity}.`);
  if (spf.record) {
    const where = spf.recordDomain && spf.recordDomain !== spf.domain ? ` (at ${spf.recordDomain}, by redirect=)` : '';
    if (spf.mechanism) words.push(`The record "${spf.record}"${where} decided with its mechanism "${spf.mechanism}".`);
    else words.push(`No mechanism of the record "${spf.record}"${where} matched, so the result is neutral.`);
  } else if (spf.reason) {
    words.push(`${capital(spf.reason)}.`);
  }
  if (spf.explanation) words.push(`The domain explains: "${spf.explanation}".`);
  return words.join(' ');
}

/** One DKIM signature in words. */
export function dkimWords(sig) {
  const key = sig.selector && sig.domain ? `${sig.selector}._domainkey.${sig.domain}` : 'its key record';
  switch (sig.result) {
    case 'pass': return `The signature of ${text(sig.domain)} verifies with the key at ${key}; the signed headers and body are unchanged.`;
    case 'fail': return `The signature of ${text(sig.domain)} does not verify: ${text(sig.reason)}. The message was changed after signing, or signed with another key than the one at ${key}.`;
    case 'temperror': return `The key at ${key} could not be fetched (${text(sig.reason)}); a receiver would try again later.`;
    case 'permerror': return `The signature cannot be used: ${text(sig.reason)}.`;
    case 'neutral': return `The signature was not verified: ${text(sig.reason)}.`;
    case 'policy': return `The signature verifies but local policy does not accept it: ${text(sig.reason)}.`;
    default: return text(sig.reason);
  }
}

/** DMARC in words: policy, organizational domain and which identifier aligned. */
export function dmarcWords(dmarc, verdict) {
  if (!dmarc) return 'not evaluated';
  const words = [];
  const from = dmarc.fromDomain ? `the From domain ${dmarc.fromDomain}` : 'the From header';
  const org = dmarc.orgDomain && dmarc.orgDomain !== dmarc.fromDomain ? ` (organizational domain ${dmarc.orgDomain})` : '';
  switch (dmarc.result) {
    case 'pass': words.push(`DMARC passes for ${from}${org}.`); break;
    case 'fail': words.push(`DMARC fails for ${from}${org}: neither SPF nor DKIM passed for a domain aligned with it.`); break;
    case 'none': words.push(`No DMARC policy applies to ${from}${org}.`); break;
    case 'temperror': words.push(`DMARC could not be checked for ${from}${org} (a DNS lookup failed).`); break;
    default: words.push(`DMARC could not be evaluated for ${from}${org}.`);
  }
  if (dmarc.record) words.push(`Record: "${dmarc.record}" (policy ${text(dmarc.policy)}).`);
  const spf = verdict && verdict.spf;
  if (dmarc.spfAligned) words.push(`SPF aligned: the egress check passed for ${spf ? spf.domain : 'the MAIL FROM domain'}.`);
  else if (spf) words.push(`SPF not aligned: the egress check gave ${spf.result} for ${spf.domain}${spf.result === 'pass' ? ', which is not aligned with the From domain' : ''}.`);
  const passing = (verdict && verdict.dkim || []).filter(d => d.result === 'pass').map(d => d.domain);
  if (dmarc.dkimAligned) words.push(`DKIM aligned: a signature of ${passing.join(', ') || 'an aligned domain'} passed.`);
  else words.push(passing.length ? `DKIM not aligned: the passing signatures (d=${passing.join(', ')}) are not of the From domain.` : 'DKIM not aligned: no signature passed.');
  if (dmarc.result === 'fail') words.push(`A receiver would ${dmarc.disposition === 'none' ? 'still deliver it (disposition none)' : dmarc.disposition} it.`);
  if (dmarc.reason && dmarc.result !== 'fail' && dmarc.result !== 'pass') words.push(`${capital(dmarc.reason)}.`);
  return words.join(' ');
}

const ACTION_WORDS = {
  accept: 'The relay accepted and stored it.',
  tag: 'The relay stored it and tagged it as failing DMARC (the account\'s DmarcFailurePolicy is Tag).',
  quarantine: 'The relay stored it in quarantine (the account\'s DmarcFailurePolicy is Quarantine).',
  reject: 'The relay refused it.',
};

/** The verdict table: check, result badge, identifiers, explanation. */
export function verdictTable(verdict) {
  if (!verdict) return h('p', { class: 'muted' }, 'No verdict: the relay stored this message with verification off.');
  const rows = [];
  rows.push(row('SPF (egress)', verdict.spf && verdict.spf.result, verdict.spf && `${verdict.spf.ip} → ${verdict.spf.domain}`, spfWords(verdict.spf, 'The relay\'s egress address'), 'spf-egress'));
  rows.push(row('SPF (client)', verdict.spfClient && verdict.spfClient.result, verdict.spfClient && `${verdict.spfClient.ip} → ${verdict.spfClient.domain}`, spfWords(verdict.spfClient, 'The sending server'), 'spf-client'));
  if (verdict.spfHelo) rows.push(row('SPF (HELO)', verdict.spfHelo.result, `${verdict.spfHelo.ip} → ${verdict.spfHelo.domain}`, spfWords(verdict.spfHelo, 'The sending server'), 'spf-helo'));
  if (!verdict.dkim || verdict.dkim.length === 0) rows.push(row('DKIM', 'none', '–', 'The message carries no DKIM signature.', 'dkim-0'));
  (verdict.dkim || []).forEach((sig, i) => rows.push(row(`DKIM #${i + 1}`, sig.result,
    `d=${text(sig.domain)} s=${text(sig.selector)} a=${text(sig.algorithm)}${sig.identity ? ` i=${sig.identity}` : ''}`, dkimWords(sig), `dkim-${i}`)));
  const d = verdict.dmarc;
  rows.push(row('DMARC', d && d.result, d && `From ${text(d.fromDomain)}, org ${text(d.orgDomain)}, p=${text(d.policy)}; aligned: SPF ${d.spfAligned ? 'yes' : 'no'}, DKIM ${d.dkimAligned ? 'yes' : 'no'}`, dmarcWords(d, verdict), 'dmarc'));
  rows.push(row('Action', verdict.action, '', ACTION_WORDS[verdict.action] || '', 'action'));
  return table(['Check', 'Result', 'Identifiers', 'Why'], rows, { class: 'verdict', id: 'verdict' });
}

function row(name, result, ids, why, key) {
  return h('tr', { dataset: { check: key } },
    h('th', { scope: 'row' }, name),
    h('td', null, badge(result)),
    h('td', { class: 'mono' }, text(ids)),
    h('td', { class: 'why' }, why));
}

function capital(s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}
