import { Option, type Command } from 'commander';
import { parseDigest } from '../../src/digest/artifact.ts';
import { InputError } from '../../src/error.ts';
import { prepareOutputFile, writeFileAtomic } from '../../src/io/atomic.ts';
import { ExitError, EXIT } from '../exit.ts';
import { addSigningOptions, addStoreOption, collect, loadPolicy, pinnedSubject, parseTime, signingFrom, storeFrom, type SigningFlags, type StoreFlags } from '../options.ts';
import { printJSON, type Output } from '../output.ts';

// Each command declares its flags and makes one call to the approval workflow in src/approval/.

interface PolicyFlags extends StoreFlags {
  policy: string;
  policyKey: string;
  at?: string;
  json?: boolean;
  notify?: string[];
}

export function registerApproval(program: Command, output: Output): void {
  const approval = program.command('approval').description('human approval: signed requests, reviews, decisions, escalation and audit');

  policyCommand(approval, 'request', 'ask for approval of a model for a stage: sign a request covering the evidence a decision would use')
    .requiredOption('--subject <sha256:hex|oci://…@sha256:hex>', 'the model')
    .requiredOption('--stage <name>', 'the stage to promote to (one that requires approval)')
    .option('--deployed <sha256:hex>', 'the model deployed now (default: the baseline the comparison gates name)')
    .option('--risk <file.json>', 'risk factors to declare: {"traffic_share", "reversible", "sensitive_use"}; each can only raise the tier')
    .addOption(new Option('--evidence <file>', 'an evidence file a gate attestation names (per-example results, evaluation set, safety report, responses, dataset), for the diff summary; repeatable').argParser(collect))
    .action(async (flags: PolicyFlags & SigningFlags & { subject: string; stage: string; deployed?: string; risk?: string; evidence?: string[] }) => {
      const subject = await pinnedSubject(flags.subject);
      const deployed = flags.deployed === undefined ? undefined : parseDigest(flags.deployed, '--deployed');
      const [{ requestApproval }, { declaredRiskOf }, { readJSONFile, readEvidenceBytes }] = await Promise.all([
        import('../../src/approval/request.ts'),
        import('../../src/approval/risk.ts'),
        import('../../src/io/read.ts'),
      ]);
      const risk = flags.risk === undefined ? undefined : declaredRiskOf(await readJSONFile(flags.risk), flags.risk);
      const evidence = await Promise.all((flags.evidence ?? []).map(async (name) => ({ name, bytes: await readEvidenceBytes(name) })));
      const signing = await signingFrom(flags);
      const outcome = await requestApproval({
        subject,
        stage: flags.stage,
        ...(deployed === undefined ? {} : { deployed }),
        store: await storeFrom(flags),
        policy: await loadPolicy(flags, output),
        signing,
        createdAt: timeOf(flags),
        ...(risk === undefined ? {} : { risk }),
        evidence,
        notify: flags.notify ?? [],
      });
      const asked = outcome.predicate;
      if (flags.json) {
        printJSON(output, { request: outcome.digest, location: outcome.location, predicate: asked, notified: outcome.notified });
      } else {
        output.out(`approval requested for ${subject} at ${asked.stage}: request ${asked.requestId}`);
        output.out(`  request: ${outcome.digest}`);
        output.out(`  risk tier ${asked.risk.tier}: ${asked.required.approvals} approval(s); roles ${Object.entries(asked.required.roles).map(([role, n]) => `${role} x${n}`).join(', ')}; deadline ${asked.deadline}`);
        output.out(`  deep review: ${asked.deepReview.selected ? `yes, judge ${asked.deepReview.items.join(', ')}` : 'not drawn'}`);
        output.out(`  packet: ${asked.packet.map((item) => `${item.gate} ${item.verdict}`).join(', ')}; diff summary: ${asked.diff.length} example(s)`);
      }
      reportNotifications(outcome.notified, output);
    });

  addStoreOption(
    approval
      .command('review')
      .description('show a request as its approvers review it: every gate, the diff summary, the risk and what to check')
      .argument('<request>', "the request's bundle digest (sha256:hex)"),
    'the attestation store',
  )
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .option('--at <rfc3339>', 'review time (default: now)')
    .option('--html <file>', 'also write the review as a self-contained HTML page')
    .option('--json', 'print the review as JSON')
    .action(async (request: string, flags: PolicyFlags & { html?: string }) => {
      if (flags.html !== undefined) await prepareOutputFile(flags.html);
      const [{ reviewView }, render] = await Promise.all([import('../../src/approval/review.ts'), import('../../src/approval/render.ts')]);
      const view = await reviewView({ request, store: await storeFrom(flags), policy: await loadPolicy(flags, output), at: timeOf(flags) });
      if (flags.html !== undefined) await writeFileAtomic(flags.html, render.renderReviewHTML(view));
      if (flags.json) printJSON(output, view);
      else for (const line of render.renderReviewText(view, { width: Math.max(60, Math.min(process.stdout.columns ?? 100, 140)) }).trimEnd().split('\n')) output.out(line);
      if (flags.html !== undefined && !flags.json) output.out(`review page: ${flags.html}`);
    });

  addSigningOptions(
    addStoreOption(
      approval
        .command('sign')
        .description("sign an approver's decision on a request, bound to its id, nonce and the packet reviewed")
        .argument('<request>', "the request's bundle digest (sha256:hex)"),
      'the attestation store',
    ),
  )
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .addOption(new Option('--decision <decision>', 'approve or reject').choices(['approve', 'reject']).makeOptionMandatory())
    .requiredOption('--justification <text>', 'why, in your words (recorded and signed)')
    .option('--findings <file.json>', 'one judgment per deep-review item: [{"item", "judgment": "ok"|"concern", "note"}]')
    .option('--at <rfc3339>', 'decision time recorded (default: now)')
    .option('--json', 'print the signed statement as JSON')
    .addOption(new Option('--notify <url>', 'webhook told of the decision (HTTP POST, JSON); repeatable').argParser(collect))
    .action(async (request: string, flags: PolicyFlags & SigningFlags & { decision: 'approve' | 'reject'; justification: string; findings?: string }) => {
      if (flags.justification.trim() === '') throw new InputError({ code: 'USAGE', message: '--justification: say why' });
      const [{ signApproval, findingsOf }, { readJSONFile }] = await Promise.all([import('../../src/approval/sign.ts'), import('../../src/io/read.ts')]);
      const findings = flags.findings === undefined ? [] : findingsOf(await readJSONFile(flags.findings), flags.findings);
      const signing = await signingFrom(flags);
      const outcome = await signApproval({
        request,
        store: await storeFrom(flags),
        policy: await loadPolicy(flags, output),
        signing,
        decision: flags.decision,
        justification: flags.justification,
        findings,
        evaluatedAt: timeOf(flags),
        notify: flags.notify ?? [],
      });
      if (flags.json) printJSON(output, { approval: outcome.digest, location: outcome.location, statement: outcome.statement, notified: outcome.notified });
      else output.out(`${outcome.approver}: ${flags.decision} on request ${outcome.predicate.request.id} (${outcome.digest})`);
      reportNotifications(outcome.notified, output);
    });

  policyCommand(approval, 'status', 'show where approval requests for a model and stage stand, and who can act; escalate overdue ones to the webhooks', false)
    .requiredOption('--subject <sha256:hex|oci://…@sha256:hex>', 'the model')
    .requiredOption('--stage <name>', 'the stage')
    .action(async (flags: PolicyFlags & { subject: string; stage: string }) => {
      const { approvalStatus } = await import('../../src/approval/status.ts');
      const status = await approvalStatus({ subject: await pinnedSubject(flags.subject), stage: flags.stage, store: await storeFrom(flags), policy: await loadPolicy(flags, output), at: timeOf(flags), notify: flags.notify ?? [] });
      if (flags.json) printJSON(output, status);
      else {
        if (status.requests.length === 0) output.out(`no approval requests for ${status.subject} at ${status.stage}`);
        for (const request of status.requests) {
          output.out(`${request.state.toUpperCase()}  request ${request.requestId} (${request.digest})`);
          output.out(`  by ${request.requester} at ${request.createdAt}; deadline ${request.deadline}; tier ${request.tier}: ${request.required.approvals} approval(s)${request.deepReview ? '; deep review' : ''}`);
          for (const word of request.decisions) output.out(`  ${word.approver}: ${word.decision} at ${word.at}`);
          if (request.canAct.length > 0) output.out(`  can act: ${request.canAct.join(', ')}`);
        }
      }
      reportNotifications(status.notified, output);
    });

  addStoreOption(approval.command('audit').description('report every approver: decisions, approve rate, review times, reviews faster than plausible, findings; and every break-glass override'), 'the attestation store')
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .option('--since <rfc3339>', 'only requests, approvals and overrides made from then on')
    .option('--at <rfc3339>', 'audit time (default: now)')
    .option('--html <file>', 'also write the audit as a self-contained HTML page with a plot of review times')
    .option('--json', 'print the audit as JSON')
    .action(async (flags: PolicyFlags & { since?: string; html?: string }) => {
      if (flags.html !== undefined) await prepareOutputFile(flags.html);
      const since = flags.since === undefined ? undefined : parseTime(flags.since, '--since');
      const [{ approvalAudit }, render] = await Promise.all([import('../../src/approval/audit.ts'), import('../../src/approval/render.ts')]);
      const report = await approvalAudit({ store: await storeFrom(flags), policy: await loadPolicy(flags, output), at: timeOf(flags), ...(since === undefined ? {} : { since }) });
      if (flags.html !== undefined) await writeFileAtomic(flags.html, render.renderAuditHTML(report));
      if (flags.json) printJSON(output, report);
      else for (const line of render.renderAuditText(report).trimEnd().split('\n')) output.out(line);
    });

  addSigningOptions(addStoreOption(approval.command('break-glass').description('sign an emergency override of the approval gate (break-glass roles only); every decision and audit shows it'), 'the attestation store'))
    .requiredOption('--subject <sha256:hex|oci://…@sha256:hex>', 'the model')
    .requiredOption('--stage <name>', 'the stage')
    .requiredOption('--reason <text>', 'why approval cannot wait')
    .option('--incident <id>', 'the incident this override belongs to')
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .option('--at <rfc3339>', 'time recorded (default: now)')
    .action(async (flags: PolicyFlags & SigningFlags & { subject: string; stage: string; reason: string; incident?: string }) => {
      if (flags.reason.trim() === '') throw new InputError({ code: 'USAGE', message: '--reason: say why' });
      const { breakGlass } = await import('../../src/approval/break-glass.ts');
      const signing = await signingFrom(flags);
      const outcome = await breakGlass({
        subject: await pinnedSubject(flags.subject),
        stage: flags.stage,
        reason: flags.reason,
        ...(flags.incident === undefined ? {} : { incident: flags.incident }),
        store: await storeFrom(flags),
        policy: await loadPolicy(flags, output),
        signing,
        at: timeOf(flags),
      });
      output.err(`gatehouse: BREAK-GLASS override of approval for ${flags.subject} at ${flags.stage} by ${outcome.signer}; every decision and audit will show it`);
      output.out(`break-glass: ${outcome.digest}`);
    });
}

// A command reading the policy and store, with the flags every approval command shares.
function policyCommand(parent: Command, name: string, description: string, signs = true): Command {
  const command = addStoreOption(parent.command(name).description(description), 'the attestation store');
  return (signs ? addSigningOptions(command) : command)
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .option('--at <rfc3339>', 'time to act at (default: now)')
    .option('--json', 'print the result as JSON')
    .addOption(new Option('--notify <url>', 'webhook told of requests, escalations and decisions (HTTP POST, JSON, retried); repeatable').argParser(collect));
}

function timeOf(flags: { at?: string }): Date {
  return flags.at === undefined ? new Date() : parseTime(flags.at, '--at');
}

// What was signed is stored; a webhook that did not take the notification is named and the command exits 3.
function reportNotifications(results: ReadonlyArray<{ url: string; ok: boolean; error?: string }>, output: Output): void {
  const failed = results.filter((result) => !result.ok);
  for (const result of failed) output.err(`gatehouse: notification to ${result.url} failed: ${result.error}`);
  if (failed.length > 0) throw new ExitError(EXIT.internal);
}
