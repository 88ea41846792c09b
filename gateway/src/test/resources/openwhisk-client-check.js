// Drives Flint's server with OpenWhisk's own JavaScript client (npm openwhisk 3.21.9) and prints
// one JSON summary line that OpenWhiskClientIT asserts on. Env: OW_APIHOST, OW_AUTH.
const openwhisk = require('openwhisk');
const ow = openwhisk({apihost: process.env.OW_APIHOST, api_key: process.env.OW_AUTH});
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function poll(id) {
  for (let i = 0; i < 300; i++) {
    try {
      return await ow.activations.get({activationId: id});
    } catch (e) {
      if (e.statusCode !== 404) throw e;
      await sleep(100);
    }
  }
  throw new Error('activation ' + id + ' never appeared');
}

async function failure(call) {
  try {
    await call();
    return 'no error';
  } catch (e) {
    return {statusCode: e.statusCode, message: e.message};
  }
}

(async () => {
  const out = {};
  const code = "def main(args):\n    print('log from python')\n    return {'greeting': 'hello ' + args.get('name', 'you')}\n";
  const created = await ow.actions.create({name: 'ow-hello', action: code, kind: 'python:3'});
  out.createdVersion = created.version;
  out.createdKind = created.exec.kind;
  const got = await ow.actions.get({name: 'ow-hello'});
  out.gotSameCode = got.exec.code === code;
  out.listed = (await ow.actions.list()).map(a => a.name);
  out.result = await ow.actions.invoke({name: 'ow-hello', blocking: true, result: true, params: {name: 'npm'}});
  const activation = await ow.actions.invoke({name: 'ow-hello', blocking: true, params: {name: 'full'}});
  out.activationStatus = activation.response.status;
  out.activationResult = activation.response.result;
  const updated = await ow.actions.update({name: 'ow-hello', action: code.replace("'hello '", "'hi '"), kind: 'python:3'});
  out.updatedVersion = updated.version;
  out.afterUpdate = await ow.actions.invoke({name: 'ow-hello', blocking: true, result: true, params: {name: 'npm'}});
  const queued = await ow.actions.invoke({name: 'ow-hello', params: {name: 'async'}});
  out.polledResult = (await poll(queued.activationId)).response.result;
  out.logs = (await ow.activations.logs({activationId: activation.activationId})).logs;
  out.activationResultCall = await ow.activations.result({activationId: activation.activationId});
  out.activationsListed = (await ow.activations.list({name: 'ow-hello', limit: 5})).map(a => a.activationId);
  out.activationId = activation.activationId;
  out.namespaces = await ow.namespaces.list();
  await ow.actions.create({name: 'ow-fails', action: "def main(args):\n    raise Exception('broken on purpose')\n", kind: 'python:3'});
  out.failure = await failure(() => ow.actions.invoke({name: 'ow-fails', blocking: true, result: true}));
  out.missing = await failure(() => ow.actions.get({name: 'ow-nothing'}));
  out.conflict = await failure(() => ow.actions.create({name: 'ow-fails', action: code, kind: 'python:3'}));
  // triggers and rules
  await ow.actions.create({name: 'ow-echo', kind: 'python:3',
    action: "def main(args):\n    return {'n': args.get('n'), 'from': args.get('from')}\n"});
  const trigger = await ow.triggers.create({name: 'ow-trigger', trigger: {parameters: [{key: 'from', value: 'trigger'}]}});
  out.triggerCreated = {name: trigger.name, version: trigger.version, parameters: trigger.parameters};
  const rule = await ow.rules.create({name: 'ow-rule', trigger: 'ow-trigger', action: 'ow-echo'});
  out.ruleCreated = {status: rule.status, trigger: rule.trigger, action: rule.action};
  out.triggerRules = (await ow.triggers.get({name: 'ow-trigger'})).rules;
  const fired = await ow.triggers.invoke({name: 'ow-trigger', params: {n: 5}});
  const triggerActivation = await poll(fired.activationId);
  out.triggerActivationName = triggerActivation.name;
  out.ruleLog = JSON.parse(triggerActivation.logs[0]);
  out.firedResult = (await poll(out.ruleLog.activationId)).response.result;
  out.disabled = await ow.rules.disable({name: 'ow-rule'});
  out.statusAfterDisable = (await ow.rules.get({name: 'ow-rule'})).status;
  const quiet = await ow.triggers.invoke({name: 'ow-trigger', params: {n: 6}});
  out.fireWithoutActiveRule = quiet && quiet.activationId ? 'fired ' + quiet.activationId : 'nothing';
  out.enabled = await ow.rules.enable({name: 'ow-rule'});
  out.statusAfterEnable = (await ow.rules.get({name: 'ow-rule'})).status;
  out.rulesListed = (await ow.rules.list()).map(r => ({name: r.name, hasStatus: 'status' in r}));
  out.ruleMissingTrigger = await failure(() => ow.rules.create({name: 'ow-rule-2', trigger: 'ow-nothing', action: 'ow-echo'}));
  out.ruleDeletedStatus = (await ow.rules.delete({name: 'ow-rule'})).status;
  out.triggerDeleted = (await ow.triggers.delete({name: 'ow-trigger'})).name;
  await ow.actions.delete({name: 'ow-echo'});
  out.deleted = (await ow.actions.delete({name: 'ow-hello'})).name;
  await ow.actions.delete({name: 'ow-fails'});
  out.listAfterDelete = (await ow.actions.list()).map(a => a.name);
  console.log(JSON.stringify(out));
})().catch(e => {
  console.error('FAILED: ' + (e && e.message) + ' ' + (e && e.error ? JSON.stringify(e.error) : ''));
  process.exit(1);
});
