/* global module */
// An osls plugin so that `osls package` runs with no AWS credentials (a fresh clone, CI).
// Packaging asks AWS one thing: CloudFormation DescribeStacks, to reuse a layer artifact that an
// earlier deploy uploaded with the same hash. Without credentials there is no earlier deploy to ask
// about, so the answer is the one AWS gives for a stack that was never deployed, and the layer is
// packaged to upload as on a first deploy. With credentials nothing changes. Only `package` is
// affected: `osls deploy` fails as before when credentials are missing.
'use strict';

class OfflinePackage {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.hooks = {
      'before:package:compileLayers': () => this.answerWithoutCredentials(),
    };
  }

  answerWithoutCredentials() {
    if (this.serverless.processedInput.commands[0] !== 'package') return;
    const provider = this.serverless.getProvider('aws');
    const request = provider.request.bind(provider);
    provider.request = async (service, method, params, ...rest) => {
      try {
        return await request(service, method, params, ...rest);
      } catch (err) {
        if (service !== 'CloudFormation' || method !== 'describeStacks' || err.code !== 'AWS_CREDENTIALS_NOT_FOUND') throw err;
        this.serverless.cli.log(`No AWS credentials: packaging as for a first deploy of ${params.StackName}.`);
        throw new Error(`Stack with id ${params.StackName} does not exist`);
      }
    };
  }
}

module.exports = OfflinePackage;
