// A national-size suspect list for the benchmarks (scripts/bench/watchlist.ts, scripts/bench/intake.ts --watchlist):
// synthetic entries g = from..to, in one statement.
// Most of a national list is ID numbers and phones (keys are HMACs, generated here as random 43-character strings,
// as the blind index is); names, addresses and companies from syllable and street vocabularies, so the trigram
// index sees realistic text; a few hundred brands.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../../server/db/database.js';

export async function loadSyntheticEntries(db: Queryable, from: number, to: number): Promise<void> {
  if (to < from) return;
  await db.execute(sql`
    insert into watchlist_entries (type, value, match_key, match_text, note, source)
    select t.type,
           case when t.type in ('id_number', 'phone') then 'masked' else t.key end,
           t.key, case t.type when 'address' then coalesce(substring(t.key from '^.*?[0-9]+[号弄]'), t.key) when 'person_name' then t.key else null end,
           'bench', 'bench'
    from (
      select g, type,
        case type
          when 'id_number' then translate(encode(sha256(('i' || g)::bytea), 'base64'), '+/=', '-_')
          when 'phone' then translate(encode(sha256(('p' || g)::bytea), 'base64'), '+/=', '-_')
          when 'waybill' then 'SF' || lpad(g::text, 13, '0')
          when 'person_name' then (array['wang','li','zhang','liu','chen','yang','huang','zhao','wu','zhou','xu','sun','ma','zhu','hu','guo','he','lin','luo','gao'])[1 + (g * 7) % 20]
               || ' ' || (array['wei','fang','na','min','jing','li','qiang','lei','jun','yang','yong','yan','jie','juan','tao','ming','chao','xiu','hua','hui','jian','guo','zhi','xiao'])[1 + (g * 13) % 24]
               || ' ' || (array['an','bo','cheng','dong','feng','gang','hai','kai','long','ning','peng','rui','song','ting','wen','xin','yu','zhen'])[1 + (g * 17) % 18] || (g % 97)::text
          -- 30 first × 25 middle × 60 last names: diverse, as a real consignee list is, with some repeats
          when 'consignee' then (array['john','anna','ivan','olga','maria','david','sarah','peter','elena','mark','james','linda','sergei','natalia','ahmed','fatima','carlos','lucia','hans','greta','pierre','camille','kenji','yuki','minjun','seoyeon','raj','priya','omar','leila'])[1 + g % 30]
               || ' ' || (array['a','b','c','d','e','f','g','h','j','k','l','m','n','p','r','s','t','v','w','alexander','marie','james','lee','ann','paul'])[1 + (g / 30) % 25]
               || ' ' || (array['smith','petrov','ivanova','muller','johnson','brown','kowalski','novak','garcia','rossi','dubois','nielsen','tanaka','kim','nguyen','silva','santos','jensen','hansen','schmidt','fischer','weber','martin','bernard','moreau','lopez','gonzalez','perez','sanchez','ramirez','torres','flores','rivera','gomez','diaz','cruz','morales','ortiz','gutierrez','chavez','ramos','ruiz','alvarez','mendoza','castillo','jimenez','moreno','romero','herrera','medina','aguilar','vargas','castro','guzman','fernandez','ortega','delgado','vasquez','rojas','smirnov'])[1 + (g / 750) % 60]
          when 'address' then (array['体育','天河','中山','机场','解放','深南','稠州','宾王','江滨','人民','建设','新华','和平','光明','东风','朝阳','长安','黄河','长江','滨海'])[1 + g % 20]
               || (array['东','西','南','北','中','新','文','华','兴','德'])[1 + (g / 20) % 10] || (array['路','街','大道','巷'])[1 + (g / 200) % 4]
               || (1 + (g / 800) % 400)::text || '号' || (g % 31)::text || '栋'
          when 'company' then (array['华','盛','达','通','鑫','源','泰','恒','宏','兴'])[1 + g % 10] || (array['贸易','电子','服饰','商贸','物流','科技'])[1 + (g / 10) % 6] || (g % 50021)::text
          else 'brand' || g::text
        end as key,
        null::text as text
      from (
        select g, case when g % 100 < 40 then 'id_number' when g % 100 < 70 then 'phone' when g % 100 < 80 then 'person_name'
                       when g % 100 < 85 then 'consignee' when g % 100 < 93 then 'address' when g % 100 < 96 then 'company'
                       else 'waybill' end as type
        from generate_series(${from}::int, ${to}::int) as g
      ) s
    ) t
    on conflict do nothing`);
}
