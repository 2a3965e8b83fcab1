#+ title: A domain that is an OWL class widens to owl:Thing
#+ description: OWL 2 RL scm-cls (?c a owl:Class ⊢ ?c rdfs:subClassOf owl:Thing) then scm-dom1, in one step: ?p rdfs:domain ?c, ?c a owl:Class ⊢ ?p rdfs:domain owl:Thing. The rest of scm-cls (?c ⊑ ?c, ?c ≡ ?c, owl:Nothing ⊑ ?c, ?c ⊑ owl:Thing, and through it "?x a owl:Thing" for every instance) is trivia the build drops, so it is not derived.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?p rdfs:domain owl:Thing }
WHERE {
  ?p rdfs:domain ?c .
  ?c rdf:type owl:Class .
  FILTER NOT EXISTS { ?p rdfs:domain owl:Thing }
}
