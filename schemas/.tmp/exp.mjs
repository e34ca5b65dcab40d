import avro from 'avsc';
import fs from 'node:fs';
for (const f of fs.readdirSync('avro')) {
  const t = avro.Type.forSchema(JSON.parse(fs.readFileSync('avro/'+f,'utf8')), {wrapUnions: 'auto'});
  console.log(f, t.name, t.fields.map(x=>x.type.typeName).join(','));
}
const seg = avro.Type.forSchema(JSON.parse(fs.readFileSync('avro/asr.segments.avsc','utf8')));
const v = {tenant:'t', jobId:'j', segmentId:'s', index:0, startSeconds:0, endSeconds:1, language:'en', engine:'e', attempt:1, claimCheck:{bucket:'b',key:'k',byteSize:1,sha256:'x',sampleRate:16000,channels:1,encoding:'wav'}, producerId:'p', eventTime: Date.now()};
const paths=[];
console.log('valid missing default', seg.isValid(v, {errorHook: (p,val,t)=>paths.push([p.join('.'), String(t)])}), paths);
const paths2=[];
console.log(seg.isValid({...v, extra: 1, index: 1.5, claimCheck: {...v.claimCheck, byteSize: 'x'}}, {noUndeclaredFields: true, errorHook: (p,val,t)=>paths2.push([p.join('.'), t.typeName, t.name, val])}), paths2);
const b = seg.toBuffer(v); console.log(seg.fromBuffer(b));
const jobs = avro.Type.forSchema(JSON.parse(fs.readFileSync('avro/asr.jobs.avsc','utf8')));
const paths3=[];
console.log(jobs.isValid({event: {'io.lingostream.events.JobSegmented': {tenant:'t'}}}, {errorHook: (p,val,t)=>paths3.push([p.join('.'), t.typeName])}), paths3);
const paths4=[];
console.log(jobs.isValid({event: {'JobSegmented': {tenant:'t'}}}, {errorHook: (p,val,t)=>paths4.push([p.join('.'), t.typeName])}), paths4);
console.log(jobs.fields[0].type.constructor.name, jobs.fields[0].type.typeName, seg.field('inlineAudio').type.typeName);
